import { Type } from 'class-transformer';
import { ArrayMaxSize, ArrayMinSize, IsIn, IsInt, IsOptional, IsString, Matches, Max, MaxLength, Min, ValidateNested } from 'class-validator';

export const SKU_PATTERN = /^[A-Za-z0-9._-]{1,64}$/;
export const CURRENCIES = ['USD'] as const;
export type Currency = (typeof CURRENCIES)[number];

/** One line of an order as it travels through the saga (price captured at order time). */
export class OrderLine {
  @IsString()
  @Matches(SKU_PATTERN)
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
