import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { PRODUCT_NAME_PATTERN, SKU_PATTERN } from '@orders/events';

/** A product as the public catalog shows it (GET /products, GET /products/{sku}). */
export class ProductView {
  @ApiProperty({ example: 'SKU-TSHIRT-M', pattern: SKU_PATTERN.source })
  sku!: string;

  @ApiProperty({ example: 'T-shirt, size M' })
  name!: string;

  @ApiProperty({ example: 1299, type: 'integer', minimum: 0 })
  priceCents!: number;

  @ApiProperty({ example: 'USD' })
  currency!: string;

  @ApiProperty({ example: 42, type: 'integer', minimum: 0, description: 'Units that can be ordered now. May lag by a moment; never negative.' })
  available!: number;
}

/** The answer of POST /admin/products. */
export class CreatedProductView {
  @ApiProperty({ example: 'SKU-TSHIRT-M' })
  sku!: string;

  @ApiProperty({ example: 'T-shirt, size M' })
  name!: string;

  @ApiProperty({ example: 1299, type: 'integer' })
  priceCents!: number;

  @ApiProperty({ example: 'USD' })
  currency!: string;
}

/** Durable stock of a sku, read from inventory's Postgres. */
export class StockView {
  @ApiProperty({ example: 'SKU-TSHIRT-M' })
  sku!: string;

  @ApiProperty({ example: 40, type: 'integer', minimum: 0 })
  available!: number;

  @ApiProperty({ example: 2, type: 'integer', minimum: 0, description: 'Held by orders awaiting payment.' })
  reserved!: number;

  @ApiProperty({ example: 58, type: 'integer', minimum: 0 })
  sold!: number;
}

/*
 * Request bodies of the admin routes. inventory-service owns these rules and enforces them
 * (its DTOs, its ValidationPipe, its 400s, relayed verbatim through the gateway); these
 * classes only document them here and deliberately carry no class-validator decorators:
 * a second copy of the rules in the gateway could only drift from the owner's and reject
 * what the owner accepts. Keep them in step with apps/inventory-service/src/catalog/dto.
 */

export class CreateProductBody {
  @ApiProperty({
    example: 'SKU-TSHIRT-M',
    pattern: SKU_PATTERN.source,
    minLength: 1,
    maxLength: 64,
    description: '1-64 characters of A-Z a-z 0-9 . _ -, not "." or ".."',
  })
  sku!: string;

  @ApiProperty({
    example: 'T-shirt, size M',
    minLength: 1,
    maxLength: 200,
    pattern: PRODUCT_NAME_PATTERN.source,
    description: 'Not blank, no control characters.',
  })
  name!: string;

  @ApiProperty({ example: 1299, type: 'integer', minimum: 0, maximum: 100_000_000 })
  priceCents!: number;

  @ApiProperty({ example: 100, type: 'integer', minimum: 0, maximum: 1_000_000_000 })
  initialStock!: number;
}

export class UpdateProductBody {
  @ApiPropertyOptional({ example: 'T-shirt, size M (organic)', minLength: 1, maxLength: 200, pattern: PRODUCT_NAME_PATTERN.source })
  name?: string;

  @ApiPropertyOptional({
    example: 1499,
    type: 'integer',
    minimum: 0,
    maximum: 100_000_000,
    description: 'Applies to orders placed from now on; existing orders keep their price.',
  })
  priceCents?: number;
}

export class AdjustStockBody {
  @ApiProperty({
    example: 25,
    type: 'integer',
    minimum: -1_000_000_000,
    maximum: 1_000_000_000,
    not: { enum: [0] },
    description: 'Units added to (positive) or removed from (negative) available stock; not 0.',
  })
  delta!: number;
}
