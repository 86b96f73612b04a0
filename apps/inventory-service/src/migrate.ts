import 'reflect-metadata';
import { inventoryMigrations } from '@orders/migrations/inventory-service';
import { loadConfig } from '@orders/platform-config';
import { MigrationResult, runMigrationCli, runMigrations } from '@orders/platform-database';
import { InventoryConfig } from './config/inventory.config';
import { SCHEMA, SERVICE } from './inventory.app';

/**
 * `node dist/apps/inventory-service/src/migrate.js`: the deploy-time migration step, as the
 * migration role (MIGRATION_DATABASE_URL), then the runtime role of DATABASE_URL created or checked.
 */
export function migrateInventory(config = loadConfig(InventoryConfig)): Promise<MigrationResult> {
  return runMigrations({
    url: config.migrationDatabaseUrl,
    runtimeUrl: config.DATABASE_URL,
    schema: SCHEMA,
    service: SERVICE,
    migrations: inventoryMigrations,
  });
}

if (require.main === module) runMigrationCli(SERVICE, () => migrateInventory());
