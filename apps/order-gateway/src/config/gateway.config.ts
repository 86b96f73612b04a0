import { Type } from 'class-transformer';
import { IsInt, IsString, Matches, Max, Min } from 'class-validator';
import { ServiceConfig } from '@orders/platform-config';

export class GatewayConfig extends ServiceConfig {
  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(65535)
  override PORT = 3000;

  /** Internal base URL of inventory-service, for the admin catalog endpoints. */
  @IsString()
  @Matches(/^https?:\/\//)
  INVENTORY_URL = 'http://127.0.0.1:3001';

  /**
   * An order still RESERVED this long after its reservation is cancelled (PAYMENT_TIMEOUT),
   * once every payment result produced before the sweep has been consumed.
   */
  @Type(() => Number)
  @IsInt()
  @Min(100)
  @Max(86_400_000)
  ORDER_PAYMENT_TIMEOUT_MS = 30_000;

  /**
   * An order still RESERVED this long is cancelled whatever the consumer backlog or Kafka's
   * state: bounds how long consumer lag can hold an order, well inside inventory's
   * RESERVATION_TTL_MS (1 h), so a reservation never expires under an order that may still be paid.
   */
  @Type(() => Number)
  @IsInt()
  @Min(100)
  @Max(86_400_000)
  ORDER_PAYMENT_HARD_TIMEOUT_MS = 600_000;

  /** How often the payment-timeout sweeper looks for expired orders. */
  @Type(() => Number)
  @IsInt()
  @Min(50)
  @Max(60_000)
  PAYMENT_TIMEOUT_SWEEP_MS = 1_000;

  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(1_000_000)
  RATE_LIMIT_ORDERS_PER_MINUTE = 60;

  /** Idempotency keys are kept at least this long (contract: at least 24 h). */
  @Type(() => Number)
  @IsInt()
  @Min(24)
  @Max(24 * 30)
  IDEMPOTENCY_RETENTION_HOURS = 24;

  override extraProblems(): string[] {
    const problems = super.extraProblems();
    if (this.ORDER_PAYMENT_HARD_TIMEOUT_MS < this.ORDER_PAYMENT_TIMEOUT_MS)
      problems.push('ORDER_PAYMENT_HARD_TIMEOUT_MS: must not be below ORDER_PAYMENT_TIMEOUT_MS');
    return problems;
  }
}
