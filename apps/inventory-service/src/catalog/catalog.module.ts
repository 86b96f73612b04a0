import { Module } from '@nestjs/common';
import { StockEngineModule } from '../stock-engine/stock-engine.module';
import { CatalogController } from './catalog.controller';
import { CatalogService } from './catalog.service';

@Module({
  imports: [StockEngineModule],
  controllers: [CatalogController],
  providers: [CatalogService],
})
export class CatalogModule {}
