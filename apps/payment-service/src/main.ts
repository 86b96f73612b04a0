import 'reflect-metadata';
import { loadConfig, startTracing } from '@orders/platform';
import { PaymentConfig } from './config/payment.config';
import { createPaymentApp, SERVICE } from './payment.app';

async function bootstrap(): Promise<void> {
  const config = loadConfig(PaymentConfig);
  startTracing({ serviceName: SERVICE, otlpEndpoint: config.OTEL_EXPORTER_OTLP_ENDPOINT });
  const app = await createPaymentApp(config);
  await app.listen(config.PORT, '0.0.0.0');
}

bootstrap().catch((error) => {
  console.error(error);
  process.exit(1);
});
