import 'reflect-metadata';
import { migrateGateway } from '../apps/order-gateway/src/migrate';
import { migrateInventory } from '../apps/inventory-service/src/migrate';
import { migratePayment } from '../apps/payment-service/src/migrate';

/** Applies every service's pending migrations (each service to its own schema). */
async function main(): Promise<void> {
  for (const [service, migrate] of [
    ['order-gateway', migrateGateway],
    ['inventory-service', migrateInventory],
    ['payment-service', migratePayment],
  ] as const) {
    const applied = await migrate();
    console.log(`migrate: ${service}: ${applied.length} migration(s) applied`);
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
