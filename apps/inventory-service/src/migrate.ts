import 'reflect-metadata';
import { inventoryMigrations } from '@orders/migrations/inventory-service';
import { loadConfig, runMigrations } from '@orders/platform';
import { InventoryConfig } from './config/inventory.config';
import { SCHEMA, SERVICE } from './inventory.app';

/** `node dist/apps/inventory-service/src/migrate.js`: the deploy-time migration step. */
export async function migrateInventory(config = loadConfig(InventoryConfig)): Promise<string[]> {
  return runMigrations({ url: config.DATABASE_URL, schema: SCHEMA, service: SERVICE, migrations: inventoryMigrations });
}

if (require.main === module) {
  migrateInventory()
    .then((applied) => console.log(`${SERVICE}: ${applied.length} migration(s) applied${applied.length ? `: ${applied.join(', ')}` : ''}`))
    .catch((error) => {
      console.error(error);
      process.exit(1);
    });
}
