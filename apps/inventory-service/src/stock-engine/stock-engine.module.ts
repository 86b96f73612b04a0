import { Module } from '@nestjs/common';
import { StockReconciler } from './reconciler.service';
import { StockEngine } from './stock-engine';

@Module({
  providers: [StockEngine, StockReconciler],
  exports: [StockEngine, StockReconciler],
})
export class StockEngineModule {}
