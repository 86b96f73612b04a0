import { Services } from '@orders/events';
import { connectEventConsumer } from '@orders/platform-messaging';
import { createHttpApp, HttpApp, messagingSettingsOf, startEventConsumers } from '@orders/platform-service';
import { AppModule } from './app.module';
import { InventoryConfig } from './config/inventory.config';

export const SERVICE = Services.InventoryService;
export const SCHEMA = 'inventory';

/** Builds the hybrid app (HTTP + Kafka consumer) and starts consuming; the caller listens. */
export async function createInventoryApp(config: InventoryConfig): Promise<HttpApp> {
  const app = await createHttpApp(AppModule.forRoot(config), config);
  connectEventConsumer(app, messagingSettingsOf(SERVICE, config));
  await app.init();
  await startEventConsumers(app);
  return app;
}
