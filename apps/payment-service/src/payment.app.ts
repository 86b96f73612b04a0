import { Services } from '@orders/events';
import { connectEventConsumer } from '@orders/platform-messaging';
import { createHttpApp, HttpApp, messagingSettingsOf, startEventConsumers } from '@orders/platform-service';
import { AppModule } from './app.module';
import { PaymentConfig } from './config/payment.config';

export const SERVICE = Services.PaymentService;
export const SCHEMA = 'payment';

export async function createPaymentApp(config: PaymentConfig): Promise<HttpApp> {
  const app = await createHttpApp(AppModule.forRoot(config), config);
  connectEventConsumer(app, messagingSettingsOf(SERVICE, config));
  await app.init();
  await startEventConsumers(app);
  return app;
}
