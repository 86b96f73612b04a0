import { IsIn, IsInt, IsOptional, IsString, MaxLength, Min } from 'class-validator';
import { OrderSnapshot } from './common';

export const CANCEL_REASONS = ['OUT_OF_STOCK', 'PAYMENT_FAILED', 'PAYMENT_TIMEOUT', 'USER_CANCELLED'] as const;
export type CancelReason = (typeof CANCEL_REASONS)[number];

/** The gateway accepted an order; inventory should reserve its items. */
export class OrderCreatedV1 extends OrderSnapshot {}

/** The gateway accepted a payment for a reserved order; inventory should sell the stock. */
export class OrderPaidV1 {
  @IsString()
  @MaxLength(64)
  paymentId!: string;

  @IsInt()
  @Min(0)
  amountCents!: number;
}

/** Stock is sold and the order is complete. */
export class OrderConfirmedV1 {
  @IsInt()
  @Min(0)
  totalCents!: number;
}

/** The order will not complete; reservations must be released and charges refunded. */
export class OrderCancelledV1 {
  @IsIn(CANCEL_REASONS)
  reason!: CancelReason;

  @IsOptional()
  @IsString()
  previousStatus?: string;
}
