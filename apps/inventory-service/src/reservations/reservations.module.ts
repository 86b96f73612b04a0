import { Module } from '@nestjs/common';
import { ReservationsHandler } from './reservations.handler';
import { ReservationsService } from './reservations.service';

@Module({
  controllers: [ReservationsHandler],
  providers: [ReservationsService],
})
export class ReservationsModule {}
