import { Module } from '@nestjs/common';
import { AdminCatalogController } from './admin-catalog.controller';
import { CatalogCache } from './catalog-cache.service';
import { CatalogHandler } from './catalog.handler';
import { InventoryClient } from './inventory.client';
import { PriceMemory } from './price-memory';
import { ProductsController } from './products.controller';

@Module({
  controllers: [ProductsController, AdminCatalogController, CatalogHandler],
  providers: [CatalogCache, InventoryClient, PriceMemory],
  exports: [CatalogCache, PriceMemory],
})
export class CatalogModule {}
