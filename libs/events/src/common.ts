import { Type } from 'class-transformer';
import { ArrayMaxSize, ArrayMinSize, IsIn, IsInt, IsOptional, IsString, Matches, Max, MaxLength, Min, ValidateNested } from 'class-validator';

/**
 * 1-64 characters of A-Z a-z 0-9 . _ -, but not "." or "..": a sku is a path segment of the
 * admin API, and URL parsers resolve those two away (the product could never be managed).
 */
export const SKU_PATTERN = /^(?!\.{1,2}$)[A-Za-z0-9._-]{1,64}$/;
/**
 * What a sku in an event may look like: every sku that may exist, including any created before
 * dot segments were refused. Consumers must keep accepting those (a narrower pattern here would
 * dead-letter their events), so events validate against this, input against SKU_PATTERN.
 */
export const EVENT_SKU_PATTERN = /^[A-Za-z0-9._-]{1,64}$/;
export const SKU_RULE = 'sku must be 1-64 characters of A-Z, a-z, 0-9, ".", "_" or "-", and not "." or ".."';
export const CURRENCIES = ['USD'] as const;
export type Currency = (typeof CURRENCIES)[number];

/**
 * The payment methods the provider accepts (contract, "Payment": its test cards). An order
 * without one is charged at the configured success rate; any other method is refused.
 */
export const PAYMENT_METHODS = ['pm_card_ok', 'pm_card_declined', 'pm_card_timeout'] as const;
export type PaymentMethod = (typeof PAYMENT_METHODS)[number];

export function isPaymentMethod(value: unknown): value is PaymentMethod {
  return (PAYMENT_METHODS as readonly unknown[]).includes(value);
}

/** A product name: not blank, and no control characters (C0, DEL, C1). */
// eslint-disable-next-line no-control-regex -- the rule is precisely about control characters
export const PRODUCT_NAME_PATTERN = /^(?=.*\S)[^\u0000-\u001F\u007F-\u009F]{1,200}$/;
export const PRODUCT_NAME_RULE = 'name must be 1-200 characters, not blank, without control characters';

/** One line of an order as it travels through the saga (price captured at order time). */
export class OrderLine {
  @IsString()
  @Matches(EVENT_SKU_PATTERN)
  sku!: string;

  @IsInt()
  @Min(1)
  @Max(1000)
  quantity!: number;

  @IsInt()
  @Min(0)
  unitPriceCents!: number;
}

/** Fields shared by events that describe a whole order. */
export class OrderSnapshot {
  @IsString()
  @MaxLength(255)
  userId!: string;

  @ValidateNested({ each: true })
  @Type(() => OrderLine)
  @ArrayMinSize(1)
  @ArrayMaxSize(50)
  items!: OrderLine[];

  @IsInt()
  @Min(0)
  totalCents!: number;

  @IsIn(CURRENCIES)
  currency!: Currency;

  @IsOptional()
  @IsString()
  @MaxLength(255)
  paymentMethod?: string;
}
