import 'reflect-metadata';
import { paymentMigrations } from '@orders/migrations/payment-service';
import { loadConfig, runMigrationCli, runMigrations } from '@orders/platform';
import { PaymentConfig } from './config/payment.config';
import { SCHEMA, SERVICE } from './payment.app';

/** `node dist/apps/payment-service/src/migrate.js`: the deploy-time migration step. */
export function migratePayment(config = loadConfig(PaymentConfig)): Promise<string[]> {
  return runMigrations({ url: config.DATABASE_URL, schema: SCHEMA, service: SERVICE, migrations: paymentMigrations });
}

if (require.main === module) runMigrationCli(SERVICE, () => migratePayment());
