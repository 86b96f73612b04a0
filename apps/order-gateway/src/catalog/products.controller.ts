import { Controller, Get, Param } from '@nestjs/common';
import { ApiNotFoundResponse, ApiOkResponse, ApiProperty, ApiTags } from '@nestjs/swagger';
import { Public } from '@orders/platform';
import { CatalogCache } from './catalog-cache.service';

export class ProductView {
  @ApiProperty({ example: 'SKU-TSHIRT-M' })
  sku!: string;

  @ApiProperty({ example: 'T-shirt, size M' })
  name!: string;

  @ApiProperty({ example: 1299 })
  priceCents!: number;

  @ApiProperty({ example: 'USD' })
  currency!: string;

  @ApiProperty({ example: 42, minimum: 0, description: 'May lag by a moment; never negative.' })
  available!: number;
}

@ApiTags('catalog')
@Public()
@Controller('products')
export class ProductsController {
  constructor(private readonly catalog: CatalogCache) {}

  @Get()
  @ApiOkResponse({ type: [ProductView] })
  list() {
    return this.catalog.list();
  }

  @Get(':sku')
  @ApiOkResponse({ type: ProductView })
  @ApiNotFoundResponse({ description: 'Unknown sku' })
  get(@Param('sku') sku: string) {
    return this.catalog.get(sku);
  }
}
