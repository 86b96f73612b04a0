import { Injectable, Logger } from '@nestjs/common';
import { context } from '@opentelemetry/api';
import { createEvent, EnvelopeOf, orderIdOf, Services } from '@orders/events';
import { afterCommit, EventBatch } from '@orders/platform-messaging';
import { startSpan } from '@orders/platform-observability';
import { ReserveDecision, StockEngine } from '../stock-engine/stock-engine';
import { productChanged, ProductRow } from '../stock-store/product-row';
import { ReservationState } from '../stock-store/reservation-status';
import { ItemQuantity, normalise } from '../stock-store/stock-quantities';
import { StockStore } from '../stock-store/stock-store';
import { reservationOutcomes } from './reservation-metrics';

const SERVICE = Services.InventoryService;

/** The settlements: the stock move, and the ledger state the order's reservation moves to. */
const SETTLEMENTS = {
  commit: { to: 'COMMITTED', outcome: 'committed' },
  release: { to: 'RELEASED', outcome: 'released' },
} as const satisfies Record<string, { to: ReservationState; outcome: string }>;

/** Keeps the newest snapshot of each sku (orders decided one at a time come after the batch's move). */
function keepLatest(snapshots: Map<string, ProductRow>, row: ProductRow): void {
  const kept = snapshots.get(row.sku);
  if (!kept || Number(row.revision) > Number(kept.revision)) snapshots.set(row.sku, row);
}

/**
 * The reservation ledger's use cases, a batch at a time: each batch runs inside the
 * transport's unit of work (one transaction with the inbox records of its events and the
 * events it emits). A product snapshot (ProductChanged) is emitted once per sku and batch,
 * with the sku's state after the whole batch.
 */
@Injectable()
export class ReservationsService {
  private readonly logger = new Logger(ReservationsService.name);

  constructor(
    private readonly engine: StockEngine,
    private readonly store: StockStore,
  ) {}

  /**
   * All items or none: a single short item reserves nothing (on the Redis and the Postgres path
   * alike). Every order's Redis hold is asked at once; Postgres then confirms them together.
   */
  async reserveForOrders(batch: EventBatch<EnvelopeOf<'OrderCreated'>>): Promise<void> {
    const { manager } = batch;
    // One ReserveStock span per order, open across the batch's steps (its Redis hold, and the
    // Postgres decision when the order is decided alone).
    const spans = batch.events.map((event) => startSpan(SERVICE, 'ReserveStock', batch.traceOf(event), { 'order.id': orderIdOf(event) }));
    let decisions: ReserveDecision[];
    const orders = await Promise.all(
      batch.events.map(async (event, index) => {
        const items = normalise(event.payload.items);
        const held = await context.with(spans[index].context, () => this.engine.holdInRedis(orderIdOf(event), items));
        return { orderId: orderIdOf(event), items, held, trace: spans[index].context };
      }),
    );
    try {
      decisions = await this.engine.confirmMany(manager, orders);
    } catch (error) {
      for (const span of spans) span.end(error);
      throw error;
    }
    decisions.forEach((decision, index) => {
      spans[index].span.setAttribute('inventory.path', decision.path);
      spans[index].end();
    });
    const snapshots = new Map<string, ProductRow>();
    const outcomes = new Map<string, number>();
    batch.events.forEach((event, index) => {
      const { orderId } = orders[index];
      const decision = decisions[index];
      const outcome = `${decision.ok ? 'reserved' : 'out_of_stock'}\u0000${decision.path}`;
      outcomes.set(outcome, (outcomes.get(outcome) ?? 0) + 1);
      if (!decision.ok) {
        const reason = decision.unknown ? 'UNKNOWN_SKU' : 'OUT_OF_STOCK';
        batch.emit(event, createEvent('InventoryReservationFailed', { orderId, payload: { reason, shortages: decision.shortages } }));
        return;
      }
      for (const row of decision.rows) keepLatest(snapshots, row);
      const { userId, items: lines, totalCents, currency, paymentMethod } = event.payload;
      batch.emit(event, createEvent('OrderReserved', { orderId, payload: { userId, items: lines, totalCents, currency, paymentMethod, path: decision.path } }));
    });
    this.emitSnapshots(batch, snapshots);
    afterCommit(() => {
      for (const [key, count] of outcomes) {
        const [outcome, path] = key.split('\u0000');
        reservationOutcomes.inc({ outcome, path }, count);
      }
    });
  }

  /** Paid: reserved units become sold. Only what each order reserved, only once. */
  commitForOrders(batch: EventBatch<EnvelopeOf<'OrderPaid'>>): Promise<void> {
    return this.settle(batch, 'commit');
  }

  /** Cancelled: reserved units go back to available. Releasing what was never reserved does nothing. */
  releaseForOrders(batch: EventBatch<EnvelopeOf<'OrderCancelled'>>): Promise<void> {
    return this.settle(batch, 'release');
  }

  /**
   * Set-based: the ledger rows of every order of the batch move in one statement, the stock
   * rows they touch are locked in sku order and moved in one statement (quantities summed per
   * sku), then each order's Redis hold follows.
   */
  private async settle(batch: EventBatch, move: keyof typeof SETTLEMENTS): Promise<void> {
    const { manager } = batch;
    const rows = await this.store.settleReservations(
      manager,
      batch.events.map((event) => orderIdOf(event)),
      SETTLEMENTS[move].to,
    );
    const itemsOf = new Map<string, ItemQuantity[]>();
    for (const row of rows) itemsOf.set(row.order_id, [...(itemsOf.get(row.order_id) ?? []), { sku: row.sku, quantity: row.quantity }]);
    for (const event of batch.events) {
      if (!itemsOf.has(orderIdOf(event))) this.logger.log({ order_id: event.orderId, event_id: event.eventId }, `nothing to ${move}: no open reservation`);
    }
    if (rows.length === 0) return;

    const total = normalise(rows);
    await this.store.lockStock(
      manager,
      total.map((item) => item.sku),
    );
    const products = await this.store.moveStock(manager, move, total);
    const settled = batch.events.filter((event) => itemsOf.has(orderIdOf(event)));
    // Still inside the transaction: if it does not commit, the redelivered events repeat this,
    // and each Redis settle is a no-op the second time (keyed by the order's hold).
    await Promise.all(settled.map((event) => this.engine.settle(orderIdOf(event), move)));
    for (const event of settled) {
      const orderId = orderIdOf(event);
      const settledItems = itemsOf.get(orderId);
      if (!settledItems) continue; // not settled: filtered out above
      const items = normalise(settledItems);
      batch.emit(
        event,
        move === 'commit' ? createEvent('StockCommitted', { orderId, payload: { items } }) : createEvent('StockReleased', { orderId, payload: { items } }),
      );
    }
    this.emitSnapshots(batch, new Map(products.map((row) => [row.sku, row])));
    const path = this.engine.redisServing ? 'redis' : 'postgres';
    afterCommit(() => {
      reservationOutcomes.inc({ outcome: SETTLEMENTS[move].outcome, path }, settled.length);
    });
  }

  /** One ProductChanged per sku (its latest state), under the trace of the batch's last event. */
  private emitSnapshots(batch: EventBatch, snapshots: Map<string, ProductRow>): void {
    const last = batch.events.at(-1);
    if (last && snapshots.size > 0) batch.emit(last, ...[...snapshots.values()].map(productChanged));
  }
}
