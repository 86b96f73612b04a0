import { Inject, Injectable, Logger } from '@nestjs/common';
import { context, Context } from '@opentelemetry/api';
import { ReservationPath, Services } from '@orders/events';
import { inSpan } from '@orders/platform-observability';
import { SERVICE_CONFIG } from '@orders/platform-service';
import { EntityManager } from 'typeorm';
import { InventoryConfig } from '../config/inventory.config';
import { ProductRow } from '../stock-store/product-row';
import { ItemQuantity, normalise, Shortage, shortagesOf } from '../stock-store/stock-quantities';
import { LedgerEntry, StockStore } from '../stock-store/stock-store';
import { reserveLatency, shortDisputes } from './engine-metrics';
import { RedisAvailability } from './redis-availability';
import { RedisReserveResult, RedisStock, SettleTarget } from './redis-stock';
import { availableNetOfInFlight, inFlightUnits } from './reconciliation';

const SERVICE = Services.InventoryService;

/** One order of a batch, with what Redis answered for it (null: Redis not asked or away). */
export interface HeldOrder {
  orderId: string;
  items: ItemQuantity[];
  held: RedisReserveResult | null;
  /** The order's own trace context: Postgres work for this order alone is traced under it. */
  trace?: Context;
}

export type ReserveDecision =
  { ok: true; path: ReservationPath; rows: ProductRow[] } | { ok: false; path: ReservationPath; shortages: Shortage[]; unknown: boolean };

/**
 * The inventory engine: Redis Lua scripts decide reservations fast, Postgres holds the
 * truth and is written in the same transaction as the event that caused the change
 * (synchronous write-through; see docs/inventory-engine.md).
 *
 * Redis is a gate, never the last word: a Redis "held" is confirmed by a conditional
 * Postgres update, a Redis "short" by a Postgres read; when they disagree Postgres wins
 * and the difference is left to reconciliation. While Redis is not usable (see
 * RedisAvailability), everything goes to Postgres. The engine only decides.
 */
@Injectable()
export class StockEngine {
  private readonly logger = new Logger(StockEngine.name);
  private readonly orphanHoldGraceMs: number;

  constructor(
    private readonly availability: RedisAvailability,
    private readonly redisStock: RedisStock,
    private readonly store: StockStore,
    @Inject(SERVICE_CONFIG) config: InventoryConfig,
  ) {
    this.orphanHoldGraceMs = config.ORPHAN_HOLD_GRACE_MS;
  }

  /** True while reservations are decided in Redis. */
  get redisServing(): boolean {
    return this.availability.isUsable();
  }

  /**
   * Step 1 of a batch's reservations: asks Redis for one order's hold. Called for every order
   * of a batch at once, so the scripts travel together on one connection (pipelined). Null
   * when Redis is not serving (Postgres decides).
   */
  async holdInRedis(orderId: string, items: ItemQuantity[]): Promise<RedisReserveResult | null> {
    if (!this.availability.isUsable()) {
      void this.availability.rewarmIfDue();
      return null;
    }
    return this.availability.call(() => inSpan(SERVICE, 'Redis.ReserveStock', () => this.redisStock.reserve(orderId, items), { 'order.id': orderId }));
  }

  /**
   * Step 2, in `manager`'s transaction: Postgres confirms the batch's Redis holds with one lock
   * statement and one stock update for the sum of them (late in the unit, so the hot rows stay
   * locked only until its commit); every other order — short in Redis, Redis away, or the
   * rare drift where Postgres cannot cover the sum — is decided one at a time as before.
   * The reserved orders' ledger rows are written in the same transaction.
   */
  async confirmMany(manager: EntityManager, orders: ReadonlyArray<HeldOrder>): Promise<ReserveDecision[]> {
    const started = process.hrtime.bigint();
    const decisions: Array<ReserveDecision | null> = orders.map(() => null);
    // The ledger rows of what is decided so far, written at the end in one statement — or
    // before a dispute, which reads the ledger to tell in-flight holds from drift.
    const recorded = new Set<number>();
    const flushLedger = async () => {
      const reserved: LedgerEntry[] = [];
      decisions.forEach((decision, index) => {
        if (!decision?.ok || recorded.has(index)) return;
        recorded.add(index);
        reserved.push({ orderId: orders[index].orderId, items: orders[index].items, path: decision.path });
      });
      if (reserved.length > 0) await this.store.recordReservations(manager, reserved);
    };
    const held = orders.flatMap((order, index) => (order.held?.kind === 'held' ? [index] : []));
    if (held.length > 0) {
      const totals = normalise(held.flatMap((index) => orders[index].items));
      const available = await this.store.lockStock(
        manager,
        totals.map((item) => item.sku),
      );
      if (shortagesOf(totals, available).length === 0) {
        const rows = await inSpan(SERVICE, 'Store.ReserveStockBatch', () => this.store.moveStock(manager, 'reserve', totals), { 'orders.count': held.length });
        for (const index of held) {
          const skus = new Set(orders[index].items.map((item) => item.sku));
          decisions[index] = { ok: true, path: 'redis', rows: rows.filter((row) => skus.has(row.sku)) };
        }
      }
    }
    // Redis said short: one read of what Postgres has for all of them; only where Postgres
    // still shows the stock does the order take the slower dispute path below.
    const short = orders.flatMap((order, index) => (decisions[index] === null && order.held?.kind === 'short' ? [index] : []));
    if (short.length > 0) {
      const available = await this.store.readAvailable(manager, [...new Set(short.flatMap((index) => orders[index].items.map((item) => item.sku)))]);
      for (const index of short) {
        const shortages = shortagesOf(orders[index].items, available);
        if (shortages.length > 0)
          decisions[index] = { ok: false, path: 'redis', shortages, unknown: shortages.some((shortage) => !available.has(shortage.sku)) };
      }
    }
    for (const [index, order] of orders.entries()) {
      decisions[index] ??= await context.with(order.trace ?? context.active(), () => this.decideAlone(manager, order, flushLedger));
    }
    await flushLedger();
    const result = decisions as ReserveDecision[];
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    for (const decision of result) reserveLatency.observe({ path: decision.path }, seconds);
    return result;
  }

  private async decideAlone(manager: EntityManager, order: HeldOrder, flushLedger: () => Promise<void>): Promise<ReserveDecision> {
    const decided = order.held && (await this.confirmInPostgres(manager, order.orderId, order.items, order.held, flushLedger));
    if (decided) return decided;
    const result = await inSpan(SERVICE, 'Store.ReserveStockTx', () => this.store.reserve(manager, order.items));
    return { ...result, path: 'postgres' };
  }

  /** Postgres confirms what Redis decided; null when Postgres must decide alone. */
  private async confirmInPostgres(
    manager: EntityManager,
    orderId: string,
    items: ItemQuantity[],
    held: RedisReserveResult,
    flushLedger: () => Promise<void>,
  ): Promise<ReserveDecision | null> {
    switch (held.kind) {
      case 'held': {
        const result = await inSpan(SERVICE, 'Store.ReserveStockTx', () => this.store.reserve(manager, items));
        if (!result.ok) {
          // Redis over-counted (drift): give the hold back in the same attempt; a retry of
          // this event finds no hold and asks again.
          this.logger.warn({ order_id: orderId, shortages: result.shortages }, 'redis held stock that postgres does not have: hold undone, postgres decides');
          await this.availability.call(() => this.redisStock.settle(orderId, 'undo'));
        }
        return { ...result, path: 'redis' };
      }
      case 'short': {
        const available = await inSpan(SERVICE, 'Store.ReserveStockTx', () =>
          this.store.readAvailable(
            manager,
            items.map((item) => item.sku),
          ),
        );
        const shortages = shortagesOf(items, available);
        if (shortages.length > 0) return { ok: false, path: 'redis', shortages, unknown: shortages.some((shortage) => !available.has(shortage.sku)) };
        await flushLedger();
        return this.shortWherePostgresHasStock(manager, orderId, items);
      }
      case 'cold':
        this.logger.warn('redis has no stock view (restarted or never warmed): postgres serves until it is re-warmed');
        this.availability.lost();
        return null;
      default:
        return null;
    }
  }

  /**
   * Redis says short, Postgres still shows the stock. Usually other orders hold it in Redis
   * and their transactions have not committed yet: those orders came first, and taking the
   * stock from under them in Postgres would refuse them after Redis admitted them (and leave
   * Redis over-counting once their holds are undone). Only what Postgres has beyond those
   * in-flight holds is an under-count (drift): then Postgres reserves. Rare, so its cost
   * (a scan of the open holds, one more read) stays off the common path.
   */
  private async shortWherePostgresHasStock(manager: EntityManager, orderId: string, items: ItemQuantity[]): Promise<ReserveDecision | null> {
    const skus = items.map((item) => item.sku);
    const holds = await this.availability.call(() => inSpan(SERVICE, 'Redis.OpenHolds', () => this.redisStock.openHolds(skus), { 'order.id': orderId }));
    if (!holds) return null;
    const postgres = await this.store.readReconcileView(
      manager,
      holds.map((hold) => hold.orderId),
      skus,
    );
    const net = availableNetOfInFlight(postgres, inFlightUnits(holds, postgres, Date.now(), this.orphanHoldGraceMs));
    const shortages = shortagesOf(items, net).map((shortage) => ({ ...shortage, available: Math.max(0, shortage.available) }));
    shortDisputes.inc({ outcome: shortages.length > 0 ? 'in_flight' : 'under_count' });
    if (shortages.length > 0) return { ok: false, path: 'redis', shortages, unknown: false };
    this.logger.warn({ order_id: orderId }, 'redis reported a shortage postgres does not see: postgres decides');
    return null;
  }

  /**
   * After the Postgres ledger moved an order's reservation (same transaction, before it
   * commits): the Redis hold follows. Idempotent per order; when Redis is not serving,
   * the re-warm brings it in line with Postgres instead.
   */
  async settle(orderId: string, target: Exclude<SettleTarget, 'undo'>): Promise<void> {
    if (!this.availability.isUsable()) {
      void this.availability.rewarmIfDue();
      return;
    }
    await this.availability.call(() => this.redisStock.settle(orderId, target));
  }

  /** A product was created (committed): load its stock; reconciliation covers a failure. */
  async productCreated(sku: string, available: number): Promise<void> {
    if (this.availability.isUsable()) await this.availability.call(() => this.redisStock.loadSku(sku, available));
  }

  /** An adjustment was committed: apply it to Redis; reconciliation covers a failure. */
  async stockAdjusted(sku: string, delta: number): Promise<void> {
    if (this.availability.isUsable()) await this.availability.call(() => this.redisStock.adjust(sku, delta));
  }
}
