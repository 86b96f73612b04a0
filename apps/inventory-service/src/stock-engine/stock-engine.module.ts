import { Module } from '@nestjs/common';
import { StockStoreModule } from '../stock-store/stock-store.module';
import { RedisAvailability } from './redis-availability';
import { RedisStock } from './redis-stock';
import { StockReconciler } from './reconciler.service';
import { StockEngine } from './stock-engine';

@Module({
  imports: [StockStoreModule],
  providers: [RedisStock, RedisAvailability, StockEngine, StockReconciler],
  exports: [StockEngine],
})
export class StockEngineModule {}
