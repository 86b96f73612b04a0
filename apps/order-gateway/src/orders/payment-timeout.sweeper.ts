import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { SERVICE_CONFIG, TransactionalEvents } from '@orders/platform';
import { EventEnvelope } from '@orders/events';
import { GatewayConfig } from '../config/gateway.config';
import { LockedOrder, OrderTransitions } from './order-transitions';

const BATCH = 200;

/**
 * Cancels orders that stayed RESERVED past ORDER_PAYMENT_TIMEOUT_MS. Safe with many
 * gateway replicas: each batch locks its orders with SKIP LOCKED, and the state
 * machine refuses a second cancel, so no order is cancelled twice.
 */
@Injectable()
export class PaymentTimeoutSweeper implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(PaymentTimeoutSweeper.name);
  private timer: NodeJS.Timeout | null = null;
  private sweeping = false;

  constructor(
    private readonly events: TransactionalEvents,
    private readonly transitions: OrderTransitions,
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
      return await this.events.run(async (manager) => {
        const expired: LockedOrder[] = await manager.query(
          `SELECT id, user_id, status, total_cents, created_at FROM orders
            WHERE status = 'RESERVED' AND status_changed_at < now() - $1 * interval '1 millisecond'
            ORDER BY status_changed_at LIMIT $2 FOR UPDATE SKIP LOCKED`,
          [this.config.ORDER_PAYMENT_TIMEOUT_MS, BATCH],
        );
        const events: EventEnvelope[] = [];
        for (const order of expired) events.push(...((await this.transitions.move(manager, order, 'CANCELLED', { reason: 'PAYMENT_TIMEOUT' })) ?? []));
        if (expired.length > 0) this.logger.log(`cancelled ${expired.length} order(s) after the payment timeout`);
        return { result: expired.length, events };
      });
    } catch (error) {
      this.logger.warn(`payment-timeout sweep skipped: ${(error as Error).message}`);
      return 0;
    } finally {
      this.sweeping = false;
    }
  }
}
