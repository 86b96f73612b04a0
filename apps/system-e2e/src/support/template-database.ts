import 'reflect-metadata';
import { loadConfig } from '@orders/platform-config';
import { Client } from 'pg';
import { InventoryConfig, migrateInventory } from '@orders/inventory-service';
import { GatewayConfig, migrateGateway } from '@orders/order-gateway';
import { migratePayment, PaymentConfig } from '@orders/payment-service';
import { databaseUrl, isStaleTestDatabase, TEST_ENV, uniqueSuffix } from './test-env';

/**
 * Migrates one template database per run; every test file then gets its own
 * `CREATE DATABASE … TEMPLATE` copy, so files never share state.
 */
export async function prepareTemplateDatabase(): Promise<string> {
  const admin = new Client({ connectionString: TEST_ENV.adminDatabaseUrl });
  await admin.connect();
  try {
    const existing = await admin.query<{ datname: string }>(`SELECT datname FROM pg_database WHERE datname LIKE $1`, [`${TEST_ENV.databasePrefix}%`]);
    for (const { datname } of existing.rows.filter((row) => isStaleTestDatabase(row.datname))) {
      await admin.query(`DROP DATABASE IF EXISTS "${datname}" WITH (FORCE)`);
    }
  } finally {
    await admin.end();
  }
  const template = `${TEST_ENV.databasePrefix}${uniqueSuffix()}_template`;
  const env = { DATABASE_URL: databaseUrl(template) };
  await migrateGateway(loadConfig(GatewayConfig, env));
  await migrateInventory(loadConfig(InventoryConfig, env));
  await migratePayment(loadConfig(PaymentConfig, env));
  return template;
}

export async function dropDatabase(name: string): Promise<void> {
  const admin = new Client({ connectionString: TEST_ENV.adminDatabaseUrl });
  await admin.connect();
  try {
    await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
  } finally {
    await admin.end();
  }
}
