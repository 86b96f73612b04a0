import { Module } from '@nestjs/common';
import { SERVICE_CONFIG } from '@orders/platform-service';
import { PaymentConfig } from '../config/payment.config';
import { MockPaymentProvider, PAYMENT_PROVIDER } from '../provider/payment-provider';
import { PaymentStore } from './payment-store';
import { PaymentsHandler } from './payments.handler';
import { PaymentsService } from './payments.service';

@Module({
  controllers: [PaymentsHandler],
  providers: [
    PaymentsService,
    PaymentStore,
    {
      provide: PAYMENT_PROVIDER,
      inject: [SERVICE_CONFIG],
      useFactory: (config: PaymentConfig) =>
        new MockPaymentProvider({ successRate: config.PAYMENT_SUCCESS_RATE, delayMinMs: config.PAYMENT_DELAY_MIN_MS, delayMaxMs: config.PAYMENT_DELAY_MAX_MS }),
    },
  ],
})
export class PaymentsModule {}
