import { Injectable, Logger } from '@nestjs/common';
import { createEvent, EnvelopeOf, EventEnvelope, ReservationPath, Services } from '@orders/events';
import { afterCommit, inSpan, queryRows, TransactionalEvents } from '@orders/platform';
import { EntityManager } from 'typeorm';
import { productChanged } from '../catalog/product-row';
import { reservationOutcomes } from './reservation-metrics';
import { StockEngine } from '../stock-engine/stock-engine';
import { ItemQuantity, lockStock, moveStock, normalise } from './stock-ledger';

const SERVICE = Services.InventoryService;

/**
 * The reservation ledger's use cases. Each runs in one transaction with the inbox
 * record of the event that caused it and the events it emits.
 */
@Injectable()
export class ReservationsService {
  private readonly logger = new Logger(ReservationsService.name);

  constructor(
    private readonly events: TransactionalEvents,
    private readonly engine: StockEngine,
  ) {}

  /** All items or none: a single short item reserves nothing (on the Redis and the Postgres path alike). */
  async reserveForOrder(event: EnvelopeOf<'OrderCreated'>): Promise<void> {
    const orderId = event.orderId!;
    await this.events.handleOnce('reserve-stock', event, (manager) =>
      inSpan(
        SERVICE,
        'ReserveStock',
        async (span) => {
          const items = normalise(event.payload.items);
          const decision = await this.engine.reserve(manager, orderId, items);
          span.setAttribute('inventory.path', decision.path);
          if (!decision.ok) {
            afterCommit(() => reservationOutcomes.inc({ outcome: 'out_of_stock', path: decision.path }));
            return [
              createEvent('InventoryReservationFailed', {
                orderId,
                payload: { reason: decision.unknown ? 'UNKNOWN_SKU' : 'OUT_OF_STOCK', shortages: decision.shortages },
              }),
            ];
          }
          await this.recordReservations(manager, orderId, items, decision.path);
          afterCommit(() => reservationOutcomes.inc({ outcome: 'reserved', path: decision.path }));
          const { userId, items: lines, totalCents, currency, paymentMethod } = event.payload;
          return [
            createEvent('OrderReserved', { orderId, payload: { userId, items: lines, totalCents, currency, paymentMethod, path: decision.path } }),
            ...decision.rows.map(productChanged),
          ];
        },
        { 'order.id': orderId },
      ),
    );
  }

  /** Paid: reserved units become sold. Only what this order reserved, only once. */
  async commitForOrder(event: EnvelopeOf<'OrderPaid'>): Promise<void> {
    await this.settle(event, 'commit');
  }

  /** Cancelled: reserved units go back to available. Releasing what was never reserved does nothing. */
  async releaseForOrder(event: EnvelopeOf<'OrderCancelled'>): Promise<void> {
    await this.settle(event, 'release');
  }

  private async settle(event: EventEnvelope, move: 'commit' | 'release'): Promise<void> {
    const orderId = event.orderId!;
    await this.events.handleOnce(`${move}-stock`, event, async (manager) => {
      const items = await queryRows<ItemQuantity>(
        manager,
        `UPDATE reservations SET state = $2, updated_at = now()
          WHERE order_id = $1 AND state = 'RESERVED'
          RETURNING sku, quantity`,
        [orderId, move === 'commit' ? 'COMMITTED' : 'RELEASED'],
      );
      if (items.length === 0) {
        this.logger.log({ order_id: orderId, event_id: event.eventId }, `nothing to ${move}: no open reservation`);
        return [];
      }
      const sorted = normalise(items);
      await lockStock(
        manager,
        sorted.map((item) => item.sku),
      );
      const rows = await moveStock(manager, move, sorted);
      // Still inside the transaction: if it does not commit, the redelivered event repeats
      // this, and the Redis settle is a no-op the second time (keyed by the order's hold).
      await this.engine.settle(orderId, move);
      const path = this.engine.redisServing ? 'redis' : 'postgres';
      afterCommit(() => reservationOutcomes.inc({ outcome: move === 'commit' ? 'committed' : 'released', path }));
      const settled =
        move === 'commit'
          ? createEvent('StockCommitted', { orderId, payload: { items: sorted } })
          : createEvent('StockReleased', { orderId, payload: { items: sorted } });
      return [settled, ...rows.map(productChanged)];
    });
  }

  private async recordReservations(manager: EntityManager, orderId: string, items: ItemQuantity[], path: ReservationPath): Promise<void> {
    await manager.query(
      `INSERT INTO reservations (order_id, sku, quantity, state, path)
       SELECT $1, u.sku, u.qty, 'RESERVED', $4 FROM unnest($2::text[], $3::int[]) AS u(sku, qty)`,
      [orderId, items.map((item) => item.sku), items.map((item) => item.quantity), path],
    );
  }
}
