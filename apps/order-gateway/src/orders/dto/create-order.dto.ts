import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { PAYMENT_METHODS, SKU_PATTERN, SKU_RULE } from '@orders/events';
import { Type } from 'class-transformer';
import { ArrayMaxSize, ArrayMinSize, ArrayUnique, IsArray, IsInt, IsOptional, IsString, Matches, Max, Min, ValidateNested } from 'class-validator';

/** A provider's payment method id: printable ASCII, no spaces or control characters. */
const PAYMENT_METHOD = /^[\x21-\x7E]{1,255}$/;

export class OrderItemDto {
  @ApiProperty({ example: 'SKU-TSHIRT-M', pattern: SKU_PATTERN.source })
  @IsString()
  @Matches(SKU_PATTERN, { message: SKU_RULE })
  sku!: string;

  @ApiProperty({ example: 2, type: 'integer', minimum: 1, maximum: 1000 })
  @IsInt()
  @Min(1)
  @Max(1000)
  quantity!: number;
}

export class CreateOrderDto {
  @ApiProperty({ type: [OrderItemDto], minItems: 1, maxItems: 50, description: '1-50 lines, each sku at most once.' })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(50)
  @ArrayUnique((item: unknown) => (item && typeof item === 'object' ? (item as { sku?: unknown }).sku : item), { message: 'each sku may appear at most once' })
  @ValidateNested({ each: true })
  @Type(() => OrderItemDto)
  items!: OrderItemDto[];

  @ApiPropertyOptional({
    example: 'pm_card_ok',
    enum: PAYMENT_METHODS,
    description:
      'The payment method: pm_card_ok (always succeeds), pm_card_declined (always declined) or pm_card_timeout (never answers). ' +
      'Without it the configured success rate applies. Another well-formed id is a 422 naming the accepted ones.',
  })
  @IsOptional()
  @IsString()
  @Matches(PAYMENT_METHOD, { message: 'paymentMethod must be 1-255 printable ASCII characters without spaces' })
  paymentMethod?: string;
}
