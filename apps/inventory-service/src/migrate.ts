import 'reflect-metadata';
import { inventoryMigrations } from '@orders/migrations/inventory-service';
import { loadConfig, runMigrationCli, runMigrations } from '@orders/platform';
import { InventoryConfig } from './config/inventory.config';
import { SCHEMA, SERVICE } from './inventory.app';

/** `node dist/apps/inventory-service/src/migrate.js`: the deploy-time migration step. */
export function migrateInventory(config = loadConfig(InventoryConfig)): Promise<string[]> {
  return runMigrations({ url: config.DATABASE_URL, schema: SCHEMA, service: SERVICE, migrations: inventoryMigrations });
}

if (require.main === module) runMigrationCli(SERVICE, () => migrateInventory());
