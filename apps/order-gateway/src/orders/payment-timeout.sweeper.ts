import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { ConsumerPosition, TransactionalEvents } from '@orders/platform-messaging';
import { gauge } from '@orders/platform-observability';
import { SERVICE_CONFIG } from '@orders/platform-service';
import { EventEnvelope, Topics } from '@orders/events';
import { DataSource } from 'typeorm';
import { GatewayConfig } from '../config/gateway.config';
import { LockedOrder, OrderTransitions } from './order-transitions';

const BATCH = 200;

const timeoutsDeferred = gauge({
  name: 'payment_timeouts_deferred',
  help: 'Orders past their payment timeout, kept at the last sweep because payment results sent before it are still in the consumer backlog',
});

/**
 * Cancels orders that stayed RESERVED past ORDER_PAYMENT_TIMEOUT_MS. Safe with many
 * gateway replicas: each batch locks its orders with SKIP LOCKED, and the state
 * machine refuses a second cancel, so no order is cancelled twice.
 *
 * The deadline is judged against what this service has consumed, not the wall clock
 * alone: an order is cancelled only once every payment result produced before the sweep,
 * on its partition, has been handled. Under consumer lag a payment that beat the
 * deadline is still applied; it is never turned into a timeout and a refund. Past
 * ORDER_PAYMENT_HARD_TIMEOUT_MS (or while Kafka cannot be asked) the wall clock decides,
 * so a stalled consumer cannot hold an order until inventory's reservation expires.
 */
@Injectable()
export class PaymentTimeoutSweeper implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(PaymentTimeoutSweeper.name);
  private timer: NodeJS.Timeout | null = null;
  private sweeping = false;
  private positionUnknown = false;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly events: TransactionalEvents,
    private readonly transitions: OrderTransitions,
    private readonly position: ConsumerPosition,
    @Inject(SERVICE_CONFIG) private readonly config: GatewayConfig,
  ) {}

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => void this.sweep(), this.config.PAYMENT_TIMEOUT_SWEEP_MS);
  }

  onApplicationShutdown(): void {
    if (this.timer) clearInterval(this.timer);
  }

  async sweep(): Promise<number> {
    if (this.sweeping) return 0;
    this.sweeping = true;
    try {
      // One clock (Postgres') for the deadline; Kafka is asked only when something is due.
      const [{ at, due }]: Array<{ at: Date; due: boolean }> = await this.dataSource.query(
        `SELECT now() AS at, EXISTS (SELECT 1 FROM orders WHERE status = 'RESERVED' AND status_changed_at < now() - $1 * interval '1 millisecond') AS due`,
        [this.config.ORDER_PAYMENT_TIMEOUT_MS],
      );
      if (!due) {
        timeoutsDeferred.set(0);
        return 0;
      }
      const consumed = await this.position.consumedThrough(Topics.PaymentEvents, at).then(
        (position) => {
          this.positionUnknown = false;
          return position;
        },
        (error: unknown) => {
          if (!this.positionUnknown)
            this.logger.warn(`payment results' consumption unknown (${(error as Error).message}): only orders past the hard timeout are cancelled`);
          this.positionUnknown = true;
          return null;
        },
      );
      return await this.events.run(async (manager) => {
        const expired: Array<LockedOrder & { past_hard_timeout: boolean }> = await manager.query(
          `SELECT id, user_id, status, total_cents, created_at, status_changed_at < $3::timestamptz - $4 * interval '1 millisecond' AS past_hard_timeout
             FROM orders
            WHERE status = 'RESERVED' AND status_changed_at < $3::timestamptz - $1 * interval '1 millisecond'
            ORDER BY status_changed_at LIMIT $2 FOR UPDATE SKIP LOCKED`,
          [this.config.ORDER_PAYMENT_TIMEOUT_MS, BATCH, at, this.config.ORDER_PAYMENT_HARD_TIMEOUT_MS],
        );
        const timedOut = expired.filter((order) => order.past_hard_timeout || consumed?.covers(order.id));
        timeoutsDeferred.set(expired.length - timedOut.length);
        const events: EventEnvelope[] = [];
        for (const order of timedOut) events.push(...((await this.transitions.move(manager, order, 'CANCELLED', { reason: 'PAYMENT_TIMEOUT' })) ?? []));
        if (timedOut.length > 0) this.logger.log(`cancelled ${timedOut.length} order(s) after the payment timeout`);
        if (timedOut.length < expired.length) {
          this.logger.log(`${expired.length - timedOut.length} order(s) past the payment timeout wait: payment results sent before it are not consumed yet`);
        }
        return { result: timedOut.length, events };
      });
    } catch (error) {
      this.logger.warn(`payment-timeout sweep skipped: ${(error as Error).message}`);
      return 0;
    } finally {
      this.sweeping = false;
    }
  }
}
