import { Type } from 'class-transformer';
import { IsInt, Max, Min } from 'class-validator';
import { ServiceConfig } from '@orders/platform-config';

export class InventoryConfig extends ServiceConfig {
  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(65535)
  override PORT = 3001;

  /** Consecutive Redis errors that open the stock engine's circuit breaker (then Postgres serves). */
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(1_000)
  REDIS_BREAKER_FAILURE_THRESHOLD = 1;

  /** How long the breaker stays open before one probe (ping + re-warm from Postgres) is tried. */
  @Type(() => Number)
  @IsInt()
  @Min(50)
  @Max(600_000)
  REDIS_BREAKER_OPEN_MS = 1_000;

  /** How often Redis is reconciled against Postgres (drift gauge, healing, orphan and expired reservations). */
  @Type(() => Number)
  @IsInt()
  @Min(100)
  @Max(3_600_000)
  RECONCILE_INTERVAL_MS = 5_000;

  /** A Redis hold with no Postgres reservation after this long is an orphan (its transaction never committed) and is given back. */
  @Type(() => Number)
  @IsInt()
  @Min(100)
  @Max(86_400_000)
  ORPHAN_HOLD_GRACE_MS = 30_000;

  /**
   * A reservation still open this long is released by reconciliation. Far above the
   * gateway's payment timeout (30 s by default), which normally cancels it first.
   */
  @Type(() => Number)
  @IsInt()
  @Min(1_000)
  @Max(30 * 86_400_000)
  RESERVATION_TTL_MS = 3_600_000;
}
