import { DynamicModule, Module } from '@nestjs/common';
import { Services } from '@orders/events';
import { paymentMigrations } from '@orders/migrations/payment-service';
import { PlatformModule } from '@orders/platform-service';
import { PaymentConfig } from './config/payment.config';
import { PaymentsModule } from './payments/payments.module';

@Module({})
export class AppModule {
  static forRoot(config: PaymentConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [
        PlatformModule.forRoot({ service: Services.PaymentService, schema: 'payment', config, migrations: paymentMigrations, redis: false }),
        PaymentsModule,
      ],
    };
  }
}
