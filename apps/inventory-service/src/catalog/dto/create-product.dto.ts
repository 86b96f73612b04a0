import { ApiProperty } from '@nestjs/swagger';
import { IsInt, IsString, Matches, Max, MaxLength, Min, MinLength } from 'class-validator';
import { PRODUCT_NAME_PATTERN, PRODUCT_NAME_RULE, SKU_PATTERN, SKU_RULE } from '@orders/events';

export class CreateProductDto {
  @ApiProperty({ example: 'SKU-TSHIRT-M', pattern: SKU_PATTERN.source })
  @IsString()
  @Matches(SKU_PATTERN, { message: SKU_RULE })
  sku!: string;

  @ApiProperty({ example: 'T-shirt, size M' })
  @IsString()
  @MinLength(1)
  @MaxLength(200)
  @Matches(PRODUCT_NAME_PATTERN, { message: PRODUCT_NAME_RULE })
  name!: string;

  @ApiProperty({ example: 1299, minimum: 0 })
  @IsInt()
  @Min(0)
  @Max(100_000_000)
  priceCents!: number;

  @ApiProperty({ example: 100, minimum: 0 })
  @IsInt()
  @Min(0)
  @Max(1_000_000_000)
  initialStock!: number;
}
