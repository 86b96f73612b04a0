import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { SERVICE_CONFIG } from '@orders/platform-service';
import { DataSource } from 'typeorm';
import { InventoryConfig } from '../config/inventory.config';
import { StockStore } from '../stock-store/stock-store';
import { CircuitBreaker } from './circuit-breaker';
import { BREAKER_STATE_VALUE, breakerState } from './engine-metrics';
import { RedisStock } from './redis-stock';

/**
 * Whether Redis may serve stock decisions now, and what brings it back: a circuit breaker
 * that opens on failure (or when Redis lost its data), a probe timer, and the re-warm from
 * Postgres that alone closes it again, so Redis never serves a stale view. Every change of
 * the breaker goes through this class, which keeps `inventory_redis_breaker_state` in step.
 */
@Injectable()
export class RedisAvailability implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(RedisAvailability.name);
  private readonly breaker: CircuitBreaker;
  private readonly probeEveryMs: number;
  private recovery: Promise<void> | null = null;
  private probeTimer: NodeJS.Timeout | null = null;

  constructor(
    private readonly redisStock: RedisStock,
    private readonly store: StockStore,
    @InjectDataSource() private readonly dataSource: DataSource,
    @Inject(SERVICE_CONFIG) config: InventoryConfig,
  ) {
    // Starts open: whatever Redis holds from before is not trusted until re-warmed.
    this.breaker = new CircuitBreaker({ failureThreshold: config.REDIS_BREAKER_FAILURE_THRESHOLD, openMs: config.REDIS_BREAKER_OPEN_MS }, 'open');
    this.probeEveryMs = config.REDIS_BREAKER_OPEN_MS;
    this.publishState();
  }

  onApplicationBootstrap(): void {
    void this.rewarmIfDue();
    // Recovery must not wait for traffic: an idle service re-warms Redis as soon as it is back.
    this.probeTimer = setInterval(() => void this.rewarmIfDue(), this.probeEveryMs);
    this.probeTimer.unref();
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.probeTimer) clearInterval(this.probeTimer);
    await this.recovery;
  }

  /** True while Redis may serve (the breaker is closed). */
  isUsable(): boolean {
    return this.breaker.allowsRequest();
  }

  /** Runs a Redis call; a failure is counted against the breaker and answered with null. */
  async call<T>(work: () => Promise<T>): Promise<T | null> {
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

  /** Redis answered but has lost its data (restart, never warmed): unusable until re-warmed. */
  lost(): void {
    this.breaker.open();
    this.publishState();
  }

  /** When the breaker's cool-down is over: one probe that pings Redis and re-warms it from Postgres. */
  rewarmIfDue(): Promise<void> | null {
    if (this.recovery || !this.breaker.tryProbe()) return this.recovery;
    this.publishState();
    this.recovery = this.rewarm()
      .then(
        () => {
          this.breaker.probeSucceeded();
        },
        (error: unknown) => {
          this.breaker.probeFailed();
          this.logger.debug(`redis probe failed: ${(error as Error).message}`);
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
    const state = await this.store.readWarmState(this.dataSource.manager);
    await this.redisStock.rewarm(state);
    this.logger.log({ skus: state.stock.length, open_reservations: state.holds.length }, 'redis re-warmed from postgres: it serves reservations again');
  }

  private publishState(): void {
    breakerState.set(BREAKER_STATE_VALUE[this.breaker.state]);
  }
}
