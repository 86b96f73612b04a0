import { IsIn, IsInt, IsString, MaxLength, Min } from 'class-validator';
import { CURRENCIES, type Currency } from './common';

export class PaymentSuccessV1 {
  @IsString()
  @MaxLength(64)
  paymentId!: string;

  @IsInt()
  @Min(0)
  amountCents!: number;

  @IsIn(CURRENCIES)
  currency!: Currency;

  @IsString()
  @MaxLength(128)
  providerTxId!: string;
}

export class PaymentFailedV1 {
  @IsString()
  @MaxLength(64)
  paymentId!: string;

  @IsInt()
  @Min(0)
  amountCents!: number;

  @IsString()
  @MaxLength(255)
  reason!: string;
}

/** A charge was returned to the customer (payment arrived for a cancelled order). */
export class PaymentRefundedV1 {
  @IsString()
  @MaxLength(64)
  paymentId!: string;

  @IsInt()
  @Min(0)
  amountCents!: number;

  @IsString()
  @MaxLength(128)
  refundId!: string;
}
