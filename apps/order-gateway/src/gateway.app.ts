import { Services } from '@orders/events';
import { connectEventConsumer } from '@orders/platform-messaging';
import { createHttpApp, HttpApp, messagingSettingsOf, startEventConsumers } from '@orders/platform-service';
import { AppModule } from './app.module';
import { GatewayConfig } from './config/gateway.config';
import { setUpOpenApi } from './openapi';

export const SERVICE = Services.OrderGateway;
export const SCHEMA = 'gateway';

export async function createGatewayApp(config: GatewayConfig): Promise<HttpApp> {
  const app = await createHttpApp(AppModule.forRoot(config), config);
  setUpOpenApi(app);
  connectEventConsumer(app, messagingSettingsOf(SERVICE, config));
  await app.init();
  await startEventConsumers(app);
  return app;
}
