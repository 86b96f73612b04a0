import { Controller, Get, Param } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import { ApiProblems, Problems } from '@orders/platform-http';
import { Public } from '@orders/platform-auth';
import { CatalogCache } from './catalog-cache.service';
import { ProductView } from './catalog.views';

@ApiTags('catalog')
@Public()
@Controller('products')
export class ProductsController {
  constructor(private readonly catalog: CatalogCache) {}

  @Get()
  @ApiOperation({
    summary: 'List the catalog',
    description: 'No token needed. Served from the gateway’s copy of the catalog, which follows inventory’s events.',
  })
  @ApiOkResponse({ type: [ProductView] })
  list() {
    return this.catalog.list();
  }

  @Get(':sku')
  @ApiOperation({ summary: 'Read a product', description: 'No token needed.' })
  @ApiParam({ name: 'sku', example: 'SKU-TSHIRT-M' })
  @ApiOkResponse({ type: ProductView })
  @ApiProblems(Problems.UnknownProduct)
  get(@Param('sku') sku: string) {
    return this.catalog.get(sku);
  }
}
