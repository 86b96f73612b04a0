import { Body, Controller, Get, HttpCode, Param, Patch, Post, Req, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import { SKU_PATTERN } from '@orders/events';
import { ApiProblems, PROBLEM_CONTENT_TYPE, Problems, upstreamPath } from '@orders/platform-http';
import { Roles } from '@orders/platform-auth';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { CatalogCache } from './catalog-cache.service';
import { ProductNotFound } from './catalog.errors';
import { AdjustStockBody, CreatedProductView, CreateProductBody, ProductView, StockView, UpdateProductBody } from './catalog.views';
import { ForwardedResponse, InventoryClient } from './inventory.client';

/**
 * The admin catalog and stock API, served by inventory-service (which validates and
 * owns the data) through the public gateway. After a change, the gateway refreshes its
 * catalog copy at once, so the next order already sees the new product or price.
 */
const SKU = ApiParam({ name: 'sku', example: 'SKU-TSHIRT-M' });

@ApiTags('admin')
@ApiBearerAuth()
@Roles('admin')
@ApiProblems(Problems.Forbidden, Problems.InventoryFailed, Problems.InventoryUnavailable)
@Controller('admin')
export class AdminCatalogController {
  constructor(
    private readonly inventory: InventoryClient,
    private readonly cache: CatalogCache,
  ) {}

  @Post('products')
  @ApiOperation({ summary: 'Create a product with its initial stock' })
  @ApiBody({ type: CreateProductBody })
  @ApiCreatedResponse({ type: CreatedProductView })
  @ApiProblems(Problems.ProductExists)
  createProduct(@Body() body: unknown, @Req() request: FastifyRequest, @Res() reply: FastifyReply) {
    const sku = (body as { sku?: unknown } | undefined)?.sku;
    return this.forward('POST', '/admin/products', request, reply, body, typeof sku === 'string' ? sku : undefined);
  }

  @Patch('products/:sku')
  @ApiOperation({ summary: 'Rename or reprice a product', description: 'A new price applies to orders placed from now on.' })
  @SKU
  @ApiBody({ type: UpdateProductBody })
  @ApiOkResponse({ type: ProductView })
  @ApiProblems(Problems.UnknownProduct)
  updateProduct(@Param('sku') sku: string, @Body() body: unknown, @Req() request: FastifyRequest, @Res() reply: FastifyReply) {
    return this.forward('PATCH', upstreamPath`/admin/products/${this.existingSkuOrNotFound(sku)}`, request, reply, body, sku);
  }

  @Post('inventory/:sku/adjust')
  @HttpCode(200)
  @ApiOperation({ summary: 'Add or remove available stock' })
  @SKU
  @ApiBody({ type: AdjustStockBody })
  @ApiOkResponse({ type: StockView, description: 'The new stock.' })
  @ApiProblems(Problems.UnknownProduct, Problems.InsufficientStock, Problems.StockLimitExceeded)
  adjustStock(@Param('sku') sku: string, @Body() body: unknown, @Req() request: FastifyRequest, @Res() reply: FastifyReply) {
    return this.forward('POST', upstreamPath`/admin/inventory/${this.existingSkuOrNotFound(sku)}/adjust`, request, reply, body, sku);
  }

  @Get('inventory/:sku')
  @ApiOperation({
    summary: 'Read the durable stock of a sku',
    description: 'available + reserved + sold == initialStock + the sum of adjustments, at every quiet moment.',
  })
  @SKU
  @ApiOkResponse({ type: StockView })
  @ApiProblems(Problems.UnknownProduct)
  getStock(@Param('sku') sku: string, @Req() request: FastifyRequest, @Res() reply: FastifyReply) {
    return this.forward('GET', upstreamPath`/admin/inventory/${this.existingSkuOrNotFound(sku)}`, request, reply);
  }

  /**
   * A path sku that cannot be a sku (including "." and "..") names no product: 404 here, without a round trip. This
   * is routing, not validation (inventory still owns every rule about bodies).
   */
  private existingSkuOrNotFound(sku: string): string {
    if (!SKU_PATTERN.test(sku)) throw new ProductNotFound();
    return sku;
  }

  private async forward(method: string, path: string, request: FastifyRequest, reply: FastifyReply, body?: unknown, refreshSku?: string): Promise<void> {
    const authorization = request.headers.authorization;
    const response = await this.inventory.forward(method, path, authorization, body, request.id);
    if (refreshSku && response.status < 300) {
      const snapshot = await this.inventory.snapshot(refreshSku, authorization);
      if (snapshot) await this.cache.apply(snapshot);
    }
    const publicPath = request.url.split('?')[0];
    await reply.status(response.status).header('content-type', response.contentType).send(asRelayed(response, publicPath));
  }
}

/**
 * Inventory's problems are relayed as they are, except their `instance`: it names the path
 * the client asked for, never inventory's internal one.
 */
function asRelayed(response: ForwardedResponse, publicPath: string): string {
  if (!response.contentType.startsWith(PROBLEM_CONTENT_TYPE)) return response.body;
  try {
    const problem = JSON.parse(response.body) as Record<string, unknown>;
    return JSON.stringify({ ...problem, instance: publicPath });
  } catch {
    return response.body;
  }
}
