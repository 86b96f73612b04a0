import { Type } from 'class-transformer';
import { IsInt, IsNumber, Max, Min } from 'class-validator';
import { ServiceConfig } from '@orders/platform-config';

export class PaymentConfig extends ServiceConfig {
  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(65535)
  override PORT = 3002;

  /** Share of charges the mock provider approves when no test payment method is given. */
  @Type(() => Number)
  @IsNumber()
  @Min(0)
  @Max(1)
  PAYMENT_SUCCESS_RATE = 0.9;

  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(60_000)
  PAYMENT_DELAY_MIN_MS = 100;

  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(60_000)
  PAYMENT_DELAY_MAX_MS = 500;

  /** How long we wait for the provider before treating the outcome as unknown. */
  @Type(() => Number)
  @IsInt()
  @Min(100)
  @Max(600_000)
  PAYMENT_PROVIDER_TIMEOUT_MS = 10_000;

  /** Charges in flight at once in this process. */
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(10_000)
  PAYMENT_CONCURRENCY = 200;

  override extraProblems(): string[] {
    const problems = super.extraProblems();
    if (this.PAYMENT_DELAY_MIN_MS > this.PAYMENT_DELAY_MAX_MS) problems.push('PAYMENT_DELAY_MIN_MS: must not exceed PAYMENT_DELAY_MAX_MS');
    return problems;
  }
}
