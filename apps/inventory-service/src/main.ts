import 'reflect-metadata';
import { loadConfig, startTracing } from '@orders/platform';
import { InventoryConfig } from './config/inventory.config';
import { createInventoryApp, SERVICE } from './inventory.app';

async function bootstrap(): Promise<void> {
  const config = loadConfig(InventoryConfig);
  startTracing({ serviceName: SERVICE, otlpEndpoint: config.OTEL_EXPORTER_OTLP_ENDPOINT });
  const app = await createInventoryApp(config);
  await app.listen(config.PORT, '0.0.0.0');
}

bootstrap().catch((error) => {
  console.error(error);
  process.exit(1);
});
