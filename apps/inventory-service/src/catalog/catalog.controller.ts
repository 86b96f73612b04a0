import { Body, Controller, Get, HttpCode, Param, Patch, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { type AuthenticatedUser, CurrentUser, Public, Roles } from '@orders/platform-auth';
import { CatalogService } from './catalog.service';
import { AdjustStockDto } from './dto/adjust-stock.dto';
import { CreateProductDto } from './dto/create-product.dto';
import { UpdateProductDto } from './dto/update-product.dto';

/** Internal catalog and stock API; the gateway exposes the admin part publicly. */
@ApiTags('catalog')
@Controller()
export class CatalogController {
  constructor(private readonly catalog: CatalogService) {}

  @Public()
  @Get('products')
  listProducts() {
    return this.catalog.listProducts();
  }

  @Public()
  @Get('products/:sku')
  getProduct(@Param('sku') sku: string) {
    return this.catalog.getProduct(sku);
  }

  @ApiBearerAuth()
  @Roles('admin')
  @Post('admin/products')
  @HttpCode(201)
  async createProduct(@Body() input: CreateProductDto) {
    const { sku, name, priceCents, currency } = await this.catalog.createProduct(input);
    return { sku, name, priceCents, currency };
  }

  @ApiBearerAuth()
  @Roles('admin')
  @Patch('admin/products/:sku')
  updateProduct(@Param('sku') sku: string, @Body() input: UpdateProductDto) {
    return this.catalog.updateProduct(sku, input);
  }

  @ApiBearerAuth()
  @Roles('admin')
  @Post('admin/inventory/:sku/adjust')
  @HttpCode(200)
  adjustStock(@Param('sku') sku: string, @Body() input: AdjustStockDto, @CurrentUser() user: AuthenticatedUser) {
    return this.catalog.adjustStock(sku, input.delta, user.id);
  }

  /** Full snapshot with its revision: lets the gateway refresh its cache right after an admin change. */
  @ApiBearerAuth()
  @Roles('admin')
  @Get('internal/catalog/:sku')
  getSnapshot(@Param('sku') sku: string) {
    return this.catalog.getSnapshot(sku);
  }

  @ApiBearerAuth()
  @Roles('admin')
  @Get('admin/inventory/:sku')
  getStock(@Param('sku') sku: string) {
    return this.catalog.getStock(sku);
  }
}
