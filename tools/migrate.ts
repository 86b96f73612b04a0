import 'reflect-metadata';
import { migrateGateway } from '@orders/order-gateway';
import { migrateInventory } from '@orders/inventory-service';
import { migratePayment } from '@orders/payment-service';

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
