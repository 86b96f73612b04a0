import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { createEvent, EventEnvelope } from '@orders/events';
import { advisoryLockKey, queryRows } from '@orders/platform-database';
import { SERVICE_CONFIG } from '@orders/platform-service';
import { TransactionalEvents } from '@orders/platform-messaging';
import { DataSource } from 'typeorm';
import { InventoryConfig } from '../config/inventory.config';
import { productChanged } from '../stock-store/product-row';
import { ItemQuantity, normalise } from '../stock-store/stock-quantities';
import { StockStore } from '../stock-store/stock-store';
import { driftUnits } from './engine-metrics';
import { RedisAvailability } from './redis-availability';
import { RedisStock } from './redis-stock';
import { planReconciliation } from './reconciliation';
import { StockEngine } from './stock-engine';

interface ReconcileReport {
  expired: number;
  holdsCorrected: number;
  skusHealed: number;
  drifting: number;
}

/**
 * The periodic job that keeps Redis honest: releases expired reservations in Postgres,
 * settles or gives back Redis holds whose Postgres record says otherwise, and heals the
 * available units of skus whose Redis value drifted. One replica at a time (advisory lock).
 */
@Injectable()
export class StockReconciler implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(StockReconciler.name);
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<unknown> | null = null;
  private previous = new Map<string, string>();
  private readonly lockKey: string;

  constructor(
    private readonly engine: StockEngine,
    private readonly availability: RedisAvailability,
    private readonly redisStock: RedisStock,
    private readonly store: StockStore,
    private readonly events: TransactionalEvents,
    @InjectDataSource() private readonly dataSource: DataSource,
    @Inject(SERVICE_CONFIG) private readonly config: InventoryConfig,
  ) {
    this.lockKey = advisoryLockKey('reconcile', `${config.KAFKA_TOPIC_PREFIX}${config.REDIS_KEY_PREFIX}`);
  }

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => {
      if (!this.running)
        this.running = this.reconcile()
          .catch((error: unknown) => {
            this.logger.warn(`reconciliation failed: ${(error as Error).message}`);
          })
          .finally(() => (this.running = null));
    }, this.config.RECONCILE_INTERVAL_MS);
    this.timer.unref();
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.running;
  }

  async reconcile(): Promise<ReconcileReport> {
    const report: ReconcileReport = { expired: 0, holdsCorrected: 0, skusHealed: 0, drifting: 0 };
    const runner = this.dataSource.createQueryRunner();
    await runner.connect();
    try {
      const [{ locked }] = await queryRows<{ locked: boolean }>(runner, 'SELECT pg_try_advisory_lock($1) AS locked', [this.lockKey]);
      if (!locked) return report;
      try {
        report.expired = await this.releaseExpired();
        if (!this.availability.isUsable()) {
          await this.availability.rewarmIfDue();
          return report;
        }
        await this.reconcileRedis(report);
      } finally {
        await runner.query('SELECT pg_advisory_unlock($1)', [this.lockKey]);
      }
    } finally {
      await runner.release();
    }
    return report;
  }

  /** Reservations open far longer than any payment may take: released, with their events. */
  private async releaseExpired(): Promise<number> {
    const expired = await this.events.run(async (manager) => {
      const rows = await this.store.releaseExpiredReservations(manager, this.config.RESERVATION_TTL_MS);
      if (rows.length === 0) return { result: [] as string[], events: [] };
      const items = normalise(rows);
      await this.store.lockStock(
        manager,
        items.map((item) => item.sku),
      );
      const products = await this.store.moveStock(manager, 'release', items);
      const byOrder = new Map<string, ItemQuantity[]>();
      for (const row of rows) byOrder.set(row.order_id, [...(byOrder.get(row.order_id) ?? []), { sku: row.sku, quantity: row.quantity }]);
      const events: EventEnvelope[] = [...byOrder].map(([orderId, orderItems]) =>
        createEvent('StockReleased', { orderId, payload: { items: normalise(orderItems) } }),
      );
      for (const [orderId, orderItems] of byOrder) {
        this.logger.warn({ order_id: orderId, items: orderItems, correction: 'expired-reservation' }, 'reconciliation released an expired reservation');
      }
      return { result: [...byOrder.keys()], events: [...events, ...products.map(productChanged)] };
    });
    for (const orderId of expired) await this.engine.settle(orderId, 'release');
    return expired.length;
  }

  private async reconcileRedis(report: ReconcileReport): Promise<void> {
    const redisView = await this.availability.call(() => this.redisStock.snapshot());
    if (!redisView) return;
    if (!redisView.warm) {
      // Redis lost its data behind our back: stop serving from it and re-warm.
      this.availability.lost();
      return;
    }
    const postgresView = await this.store.readReconcileView(
      this.dataSource.manager,
      redisView.holds.map((hold) => hold.orderId),
    );
    const plan = planReconciliation(redisView, postgresView, Date.now(), this.config.ORPHAN_HOLD_GRACE_MS, this.previous);
    this.previous = plan.observed;

    for (const correction of plan.holds) {
      const result = await this.availability.call(() => this.redisStock.settle(correction.orderId, correction.action));
      if (result === 'OK') {
        report.holdsCorrected += 1;
        this.logger.warn({ order_id: correction.orderId, correction: correction.reason, action: correction.action }, 'reconciliation corrected a redis hold');
      }
    }

    const drifting = new Set(plan.drift.map((finding) => finding.sku));
    for (const sku of this.knownDriftSkus) if (!drifting.has(sku)) driftUnits.set({ sku }, 0);
    this.knownDriftSkus = drifting;
    report.drifting = plan.drift.length;
    for (const finding of plan.drift) {
      driftUnits.set({ sku: finding.sku }, finding.drift);
      if (!finding.confirmed) continue;
      const healed = await this.availability.call(() => this.redisStock.heal(finding.sku, finding.version, finding.expected));
      if (healed) {
        report.skusHealed += 1;
        driftUnits.set({ sku: finding.sku }, 0);
        this.logger.warn(
          { sku: finding.sku, drift_units: finding.drift, redis_available: finding.redisAvailable, expected_available: finding.expected, correction: 'drift' },
          'reconciliation healed redis stock drift',
        );
      }
    }
  }

  private knownDriftSkus = new Set<string>();
}
