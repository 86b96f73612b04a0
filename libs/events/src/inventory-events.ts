import { Type } from 'class-transformer';
import { ArrayMinSize, IsIn, IsInt, IsString, Matches, Min, ValidateNested } from 'class-validator';
import { OrderSnapshot, EVENT_SKU_PATTERN } from './common';

export const RESERVATION_PATHS = ['redis', 'postgres'] as const;
export type ReservationPath = (typeof RESERVATION_PATHS)[number];

/** Every item of the order is reserved. Carries the order so payment needs no other source. */
export class OrderReservedV1 extends OrderSnapshot {
  @IsIn(RESERVATION_PATHS)
  path!: ReservationPath;
}

export class StockShortage {
  @IsString()
  @Matches(EVENT_SKU_PATTERN)
  sku!: string;

  @IsInt()
  @Min(1)
  requested!: number;

  @IsInt()
  @Min(0)
  available!: number;
}

export const RESERVATION_FAILURES = ['OUT_OF_STOCK', 'UNKNOWN_SKU'] as const;
export type ReservationFailure = (typeof RESERVATION_FAILURES)[number];

/** Nothing was reserved: at least one item was short. */
export class InventoryReservationFailedV1 {
  @IsIn(RESERVATION_FAILURES)
  reason!: ReservationFailure;

  @ValidateNested({ each: true })
  @Type(() => StockShortage)
  shortages!: StockShortage[];
}

export class StockQuantity {
  @IsString()
  @Matches(EVENT_SKU_PATTERN)
  sku!: string;

  @IsInt()
  @Min(1)
  quantity!: number;
}

/** A paid order's reservation became sold stock. */
export class StockCommittedV1 {
  @ValidateNested({ each: true })
  @Type(() => StockQuantity)
  @ArrayMinSize(1)
  items!: StockQuantity[];
}

/** A cancelled order's reservation went back to available stock. */
export class StockReleasedV1 {
  @ValidateNested({ each: true })
  @Type(() => StockQuantity)
  @ArrayMinSize(1)
  items!: StockQuantity[];
}
