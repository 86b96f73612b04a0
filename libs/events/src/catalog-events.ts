import { IsIn, IsInt, IsString, Matches, MaxLength, Min } from 'class-validator';
import { CURRENCIES, type Currency, EVENT_SKU_PATTERN } from './common';

/**
 * Full state of one product and its available stock, for read models.
 * `revision` grows with every change of the sku, so a consumer keeps the newest.
 */
export class ProductChangedV1 {
  @IsString()
  @Matches(EVENT_SKU_PATTERN)
  sku!: string;

  @IsString()
  @MaxLength(200)
  name!: string;

  @IsInt()
  @Min(0)
  priceCents!: number;

  @IsIn(CURRENCIES)
  currency!: Currency;

  @IsInt()
  @Min(0)
  available!: number;

  @IsInt()
  @Min(1)
  revision!: number;
}
