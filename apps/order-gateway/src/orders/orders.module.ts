import { Module } from '@nestjs/common';
import { CatalogModule } from '../catalog/catalog.module';
import { IdempotencyModule } from '../idempotency/idempotency.module';
import { RateLimitModule } from '../rate-limit/rate-limit.module';
import { OrderAdmission } from './order-admission.interceptor';
import { OrderSagaHandler } from './order-saga.handler';
import { OrderSagaService } from './order-saga.service';
import { OrderTransitions } from './order-transitions';
import { OrderWaiter } from './order-waiter';
import { OrdersController } from './orders.controller';
import { OrdersService } from './orders.service';
import { PaymentTimeoutSweeper } from './payment-timeout.sweeper';

@Module({
  imports: [CatalogModule, IdempotencyModule, RateLimitModule],
  controllers: [OrdersController, OrderSagaHandler],
  providers: [OrderAdmission, OrdersService, OrderSagaService, OrderTransitions, OrderWaiter, PaymentTimeoutSweeper],
})
export class OrdersModule {}
