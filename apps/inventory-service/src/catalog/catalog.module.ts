import { Module } from '@nestjs/common';
import { StockEngineModule } from '../stock-engine/stock-engine.module';
import { StockStoreModule } from '../stock-store/stock-store.module';
import { CatalogController } from './catalog.controller';
import { CatalogService } from './catalog.service';

@Module({
  imports: [StockStoreModule, StockEngineModule],
  controllers: [CatalogController],
  providers: [CatalogService],
})
export class CatalogModule {}
