import 'reflect-metadata';
import { gatewayMigrations } from '@orders/migrations/order-gateway';
import { loadConfig } from '@orders/platform-config';
import { MigrationResult, runMigrationCli, runMigrations } from '@orders/platform-database';
import { GatewayConfig } from './config/gateway.config';
import { SCHEMA, SERVICE } from './gateway.app';

/**
 * `node dist/apps/order-gateway/src/migrate.js`: the deploy-time migration step, as the
 * migration role (MIGRATION_DATABASE_URL), then the runtime role of DATABASE_URL created or checked.
 */
export function migrateGateway(config = loadConfig(GatewayConfig)): Promise<MigrationResult> {
  return runMigrations({ url: config.migrationDatabaseUrl, runtimeUrl: config.DATABASE_URL, schema: SCHEMA, service: SERVICE, migrations: gatewayMigrations });
}

if (require.main === module) runMigrationCli(SERVICE, () => migrateGateway());
