import 'reflect-metadata';
import { gatewayMigrations } from '@orders/migrations/order-gateway';
import { loadConfig, runMigrationCli, runMigrations } from '@orders/platform';
import { GatewayConfig } from './config/gateway.config';
import { SCHEMA, SERVICE } from './gateway.app';

/** `node dist/apps/order-gateway/src/migrate.js`: the deploy-time migration step. */
export function migrateGateway(config = loadConfig(GatewayConfig)): Promise<string[]> {
  return runMigrations({ url: config.DATABASE_URL, schema: SCHEMA, service: SERVICE, migrations: gatewayMigrations });
}

if (require.main === module) runMigrationCli(SERVICE, () => migrateGateway());
