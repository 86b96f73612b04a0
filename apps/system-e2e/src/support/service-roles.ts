import { InventoryConfig, migrateInventory } from '@orders/inventory-service';
import { GatewayConfig, migrateGateway } from '@orders/order-gateway';
import { migratePayment, PaymentConfig } from '@orders/payment-service';
import { loadConfig } from '@orders/platform-config';
import { Client } from 'pg';
import { databaseUrl, TEST_ENV } from './test-env';

export type ServiceRoleUrls = Record<'gateway' | 'inventory' | 'payment', string>;

/** A login role per service for one test database, named after it (roles are cluster-wide). */
export function serviceRoleUrls(database: string): ServiceRoleUrls {
  const url = (service: string) => {
    const parsed = new URL(databaseUrl(database));
    parsed.username = `${database}_${service}`;
    parsed.password = `pw-${service}`;
    return parsed.toString();
  };
  return { gateway: url('gateway'), inventory: url('inventory'), payment: url('payment') };
}

/** What a deploy does: each service's migration step, as the migration role, creates its runtime role. */
export async function migrateWithServiceRoles(database: string, urls: ServiceRoleUrls): Promise<void> {
  const env = (runtime: string) => ({ DATABASE_URL: runtime, MIGRATION_DATABASE_URL: databaseUrl(database) });
  await migrateGateway(loadConfig(GatewayConfig, env(urls.gateway)));
  await migrateInventory(loadConfig(InventoryConfig, env(urls.inventory)));
  await migratePayment(loadConfig(PaymentConfig, env(urls.payment)));
}

/** After the test database is dropped (which drops the grants in it). */
export async function dropServiceRoles(urls: ServiceRoleUrls): Promise<void> {
  const admin = new Client({ connectionString: TEST_ENV.adminDatabaseUrl });
  await admin.connect();
  try {
    for (const url of Object.values(urls)) await admin.query(`DROP ROLE IF EXISTS ${admin.escapeIdentifier(decodeURIComponent(new URL(url).username))}`);
  } finally {
    await admin.end();
  }
}
