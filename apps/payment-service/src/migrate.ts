import 'reflect-metadata';
import { paymentMigrations } from '@orders/migrations/payment-service';
import { loadConfig } from '@orders/platform-config';
import { MigrationResult, runMigrationCli, runMigrations } from '@orders/platform-database';
import { PaymentConfig } from './config/payment.config';
import { SCHEMA, SERVICE } from './payment.app';

/**
 * `node dist/apps/payment-service/src/migrate.js`: the deploy-time migration step, as the
 * migration role (MIGRATION_DATABASE_URL), then the runtime role of DATABASE_URL created or checked.
 */
export function migratePayment(config = loadConfig(PaymentConfig)): Promise<MigrationResult> {
  return runMigrations({ url: config.migrationDatabaseUrl, runtimeUrl: config.DATABASE_URL, schema: SCHEMA, service: SERVICE, migrations: paymentMigrations });
}

if (require.main === module) runMigrationCli(SERVICE, () => migratePayment());
