import { Module } from '@nestjs/common';
import { StockEngineModule } from '../stock-engine/stock-engine.module';
import { StockStoreModule } from '../stock-store/stock-store.module';
import { ReservationsHandler } from './reservations.handler';
import { ReservationsService } from './reservations.service';

@Module({
  imports: [StockStoreModule, StockEngineModule],
  controllers: [ReservationsHandler],
  providers: [ReservationsService],
})
export class ReservationsModule {}
