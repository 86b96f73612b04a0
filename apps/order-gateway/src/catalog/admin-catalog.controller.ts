import { Body, Controller, Get, Param, Patch, Post, Req, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiTags } from '@nestjs/swagger';
import { Roles } from '@orders/platform';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { CatalogCache } from './catalog-cache.service';
import { InventoryClient } from './inventory.client';

/**
 * The admin catalog and stock API, served by inventory-service (which validates and
 * owns the data) through the public gateway. After a change, the gateway refreshes its
 * catalog copy at once, so the next order already sees the new product or price.
 */
@ApiTags('admin')
@ApiBearerAuth()
@Roles('admin')
@Controller('admin')
export class AdminCatalogController {
  constructor(
    private readonly inventory: InventoryClient,
    private readonly cache: CatalogCache,
  ) {}

  @Post('products')
  @ApiBody({ schema: { type: 'object', required: ['sku', 'name', 'priceCents', 'initialStock'] } })
  createProduct(@Body() body: unknown, @Req() request: FastifyRequest, @Res() reply: FastifyReply) {
    const sku = (body as { sku?: unknown } | undefined)?.sku;
    return this.forward('POST', '/admin/products', request, reply, body, typeof sku === 'string' ? sku : undefined);
  }

  @Patch('products/:sku')
  updateProduct(@Param('sku') sku: string, @Body() body: unknown, @Req() request: FastifyRequest, @Res() reply: FastifyReply) {
    return this.forward('PATCH', `/admin/products/${encodeURIComponent(sku)}`, request, reply, body, sku);
  }

  @Post('inventory/:sku/adjust')
  adjustStock(@Param('sku') sku: string, @Body() body: unknown, @Req() request: FastifyRequest, @Res() reply: FastifyReply) {
    return this.forward('POST', `/admin/inventory/${encodeURIComponent(sku)}/adjust`, request, reply, body, sku);
  }

  @Get('inventory/:sku')
  getStock(@Param('sku') sku: string, @Req() request: FastifyRequest, @Res() reply: FastifyReply) {
    return this.forward('GET', `/admin/inventory/${encodeURIComponent(sku)}`, request, reply);
  }

  private async forward(method: string, path: string, request: FastifyRequest, reply: FastifyReply, body?: unknown, refreshSku?: string): Promise<void> {
    const authorization = request.headers.authorization;
    const response = await this.inventory.forward(method, path, authorization, body, String(request.id));
    if (refreshSku && response.status < 300) {
      const snapshot = await this.inventory.snapshot(refreshSku, authorization);
      if (snapshot) await this.cache.apply(snapshot);
    }
    await reply.status(response.status).header('content-type', response.contentType).send(response.body);
  }
}
