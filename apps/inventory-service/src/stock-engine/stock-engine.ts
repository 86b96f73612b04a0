import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { context, Context } from '@opentelemetry/api';
import { ReservationPath, Services } from '@orders/events';
import { inSpan, REDIS, SERVICE_CONFIG } from '@orders/platform';
import type { Redis } from 'ioredis';
import { DataSource, EntityManager } from 'typeorm';
import { ProductRow } from '../catalog/product-row';
import { InventoryConfig } from '../config/inventory.config';
import { ItemQuantity, lockStock, moveStock, normalise, Shortage, shortagesOf } from '../reservations/stock-ledger';
import { CircuitBreaker } from './circuit-breaker';
import { BREAKER_STATE_VALUE, breakerState, reserveLatency, shortDisputes } from './engine-metrics';
import { readAvailable, readReconcileView, readWarmState, reserveInPostgres } from './postgres-stock';
import { availableNetOfInFlight, inFlightUnits } from './reconciliation';
import { RedisReserveResult, RedisStock, SettleTarget } from './redis-stock';

const SERVICE = Services.InventoryService;

/** An order's reserved items, for the ledger. */
export interface LedgerEntry {
  orderId: string;
  items: ItemQuantity[];
  path: ReservationPath;
}

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
 * and the difference is left to reconciliation. While Redis fails, the circuit breaker
 * sends everything to Postgres; Redis serves again only after a re-warm from Postgres.
 */
@Injectable()
export class StockEngine implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(StockEngine.name);
  readonly breaker: CircuitBreaker;
  readonly redisStock: RedisStock;
  private recovery: Promise<void> | null = null;
  private probeTimer: NodeJS.Timeout | null = null;

  constructor(
    @Inject(REDIS) redis: Redis,
    @InjectDataSource() private readonly dataSource: DataSource,
    @Inject(SERVICE_CONFIG) config: InventoryConfig,
  ) {
    this.redisStock = new RedisStock(redis);
    // Starts open: whatever Redis holds from before is not trusted until re-warmed.
    this.breaker = new CircuitBreaker({ failureThreshold: config.REDIS_BREAKER_FAILURE_THRESHOLD, openMs: config.REDIS_BREAKER_OPEN_MS }, 'open');
    this.probeEveryMs = config.REDIS_BREAKER_OPEN_MS;
    this.orphanHoldGraceMs = config.ORPHAN_HOLD_GRACE_MS;
    this.publishState();
  }

  private readonly probeEveryMs: number;
  private readonly orphanHoldGraceMs: number;

  onApplicationBootstrap(): void {
    this.probeIfDue();
    // Recovery must not wait for traffic: an idle service re-warms Redis as soon as it is back.
    this.probeTimer = setInterval(() => void this.probeIfDue(), this.probeEveryMs);
    this.probeTimer.unref();
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.probeTimer) clearInterval(this.probeTimer);
    await this.recovery;
  }

  /** True while reservations are decided in Redis. */
  get redisServing(): boolean {
    return this.breaker.allowsRequest();
  }

  /**
   * Step 1 of a batch's reservations: asks Redis for one order's hold. Called for every order
   * of a batch at once, so the scripts travel together on one connection (pipelined). Null
   * when Redis is not serving (Postgres decides).
   */
  async holdInRedis(orderId: string, items: ItemQuantity[]): Promise<RedisReserveResult | null> {
    if (!this.breaker.allowsRequest()) {
      this.probeIfDue();
      return null;
    }
    return this.redisCall(() => inSpan(SERVICE, 'Redis.ReserveStock', () => this.redisStock.reserve(orderId, items), { 'order.id': orderId }));
  }

  /**
   * Step 2, in `manager`'s transaction: Postgres confirms the batch's Redis holds with one lock
   * statement and one stock update for the sum of them (late in the unit, so the hot rows stay
   * locked only until its commit); every other order — short in Redis, Redis away, or the
   * rare drift where Postgres cannot cover the sum — is decided one at a time as before.
   */
  async confirmMany(
    manager: EntityManager,
    orders: ReadonlyArray<HeldOrder>,
    recordLedger: (reserved: LedgerEntry[]) => Promise<void>,
  ): Promise<ReserveDecision[]> {
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
      if (reserved.length > 0) await recordLedger(reserved);
    };
    const held = orders.flatMap((order, index) => (order.held?.kind === 'held' ? [index] : []));
    if (held.length > 0) {
      const totals = normalise(held.flatMap((index) => orders[index].items));
      const available = await lockStock(
        manager,
        totals.map((item) => item.sku),
      );
      if (shortagesOf(totals, available).length === 0) {
        const rows = await inSpan(SERVICE, 'Store.ReserveStockBatch', () => moveStock(manager, 'reserve', totals), { 'orders.count': held.length });
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
      const available = await readAvailable(manager, [...new Set(short.flatMap((index) => orders[index].items.map((item) => item.sku)))]);
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
    const result = await inSpan(SERVICE, 'Store.ReserveStockTx', () => reserveInPostgres(manager, order.items));
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
        const result = await inSpan(SERVICE, 'Store.ReserveStockTx', () => reserveInPostgres(manager, items));
        if (!result.ok) {
          // Redis over-counted (drift): give the hold back in the same attempt; a retry of
          // this event finds no hold and asks again.
          this.logger.warn({ order_id: orderId, shortages: result.shortages }, 'redis held stock that postgres does not have: hold undone, postgres decides');
          await this.redisCall(() => this.redisStock.settle(orderId, 'undo'));
        }
        return { ...result, path: 'redis' };
      }
      case 'short': {
        const available = await inSpan(SERVICE, 'Store.ReserveStockTx', () =>
          readAvailable(
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
        this.breaker.open();
        this.publishState();
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
    const holds = await this.redisCall(() => inSpan(SERVICE, 'Redis.OpenHolds', () => this.redisStock.openHolds(skus), { 'order.id': orderId }));
    if (!holds) return null;
    const postgres = await readReconcileView(
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
    if (!this.breaker.allowsRequest()) {
      this.probeIfDue();
      return;
    }
    await this.redisCall(() => this.redisStock.settle(orderId, target));
  }

  /** A product was created (committed): load its stock; reconciliation covers a failure. */
  async productCreated(sku: string, available: number): Promise<void> {
    if (this.breaker.allowsRequest()) await this.redisCall(() => this.redisStock.loadSku(sku, available));
  }

  /** An adjustment was committed: apply it to Redis; reconciliation covers a failure. */
  async stockAdjusted(sku: string, delta: number): Promise<void> {
    if (this.breaker.allowsRequest()) await this.redisCall(() => this.redisStock.adjust(sku, delta));
  }

  /** Runs a Redis call under the breaker; a failure is counted and answered with null. */
  async redisCall<T>(work: () => Promise<T>): Promise<T | null> {
    try {
      const result = await work();
      this.breaker.recordSuccess();
      return result;
    } catch (error) {
      const before = this.breaker.state;
      this.breaker.recordFailure();
      if (before !== this.breaker.state) {
        this.logger.warn(`redis failed (${(error as Error).message}): circuit ${this.breaker.state}, postgres serves reservations`);
        this.publishState();
      }
      return null;
    }
  }

  /** When the breaker's cool-down is over: one probe that pings Redis and re-warms it from Postgres. */
  probeIfDue(): Promise<void> | null {
    if (this.recovery || !this.breaker.tryProbe()) return this.recovery;
    this.publishState();
    this.recovery = this.rewarm()
      .then(
        () => this.breaker.probeSucceeded(),
        (error: Error) => {
          this.breaker.probeFailed();
          this.logger.debug(`redis probe failed: ${error.message}`);
        },
      )
      .finally(() => {
        this.recovery = null;
        this.publishState();
      });
    return this.recovery;
  }

  private async rewarm(): Promise<void> {
    await this.redisStock.ping();
    const state = await readWarmState(this.dataSource.manager);
    await this.redisStock.rewarm(state);
    this.logger.log({ skus: state.stock.length, open_reservations: state.holds.length }, 'redis re-warmed from postgres: it serves reservations again');
  }

  private publishState(): void {
    breakerState.set(BREAKER_STATE_VALUE[this.breaker.state]);
  }
}
