import { Module } from '@nestjs/common';
import { StockEngineModule } from '../stock-engine/stock-engine.module';
import { ReservationsHandler } from './reservations.handler';
import { ReservationsService } from './reservations.service';

@Module({
  imports: [StockEngineModule],
  controllers: [ReservationsHandler],
  providers: [ReservationsService],
})
export class ReservationsModule {}
