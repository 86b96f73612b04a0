import { Module } from '@nestjs/common';
import { StockStore } from './stock-store';

@Module({
  providers: [StockStore],
  exports: [StockStore],
})
export class StockStoreModule {}
