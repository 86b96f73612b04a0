import 'reflect-metadata';
import { loadConfig, startTracing } from '@orders/platform';
import { GatewayConfig } from './config/gateway.config';
import { createGatewayApp, SERVICE } from './gateway.app';

async function bootstrap(): Promise<void> {
  const config = loadConfig(GatewayConfig);
  startTracing({ serviceName: SERVICE, otlpEndpoint: config.OTEL_EXPORTER_OTLP_ENDPOINT });
  const app = await createGatewayApp(config);
  await app.listen(config.PORT, '0.0.0.0');
}

bootstrap().catch((error) => {
  console.error(error);
  process.exit(1);
});
