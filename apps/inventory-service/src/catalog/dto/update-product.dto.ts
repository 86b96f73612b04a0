import { ApiPropertyOptional } from '@nestjs/swagger';
import { PRODUCT_NAME_PATTERN, PRODUCT_NAME_RULE } from '@orders/events';
import { IsInt, IsOptional, IsString, Matches, Max, MaxLength, Min, MinLength } from 'class-validator';

export class UpdateProductDto {
  @ApiPropertyOptional({ example: 'T-shirt, size M (organic)' })
  @IsOptional()
  @IsString()
  @MinLength(1)
  @MaxLength(200)
  @Matches(PRODUCT_NAME_PATTERN, { message: PRODUCT_NAME_RULE })
  name?: string;

  @ApiPropertyOptional({ example: 1499, minimum: 0 })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(100_000_000)
  priceCents?: number;
}
