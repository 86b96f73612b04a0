import { ApiProperty } from '@nestjs/swagger';
import { IsInt, Max, Min, NotEquals } from 'class-validator';

export class AdjustStockDto {
  @ApiProperty({ example: 25, description: 'Units added to (positive) or removed from (negative) available stock.' })
  @IsInt()
  @NotEquals(0)
  @Min(-1_000_000_000)
  @Max(1_000_000_000)
  delta!: number;
}
