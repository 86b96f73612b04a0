import 'reflect-metadata';
import { paymentMigrations } from '@orders/migrations/payment-service';
import { loadConfig, runMigrations } from '@orders/platform';
import { PaymentConfig } from './config/payment.config';
import { SCHEMA, SERVICE } from './payment.app';

/** `node dist/apps/payment-service/src/migrate.js`: the deploy-time migration step. */
export async function migratePayment(config = loadConfig(PaymentConfig)): Promise<string[]> {
  return runMigrations({ url: config.DATABASE_URL, schema: SCHEMA, service: SERVICE, migrations: paymentMigrations });
}

if (require.main === module) {
  migratePayment()
    .then((applied) => console.log(`${SERVICE}: ${applied.length} migration(s) applied${applied.length ? `: ${applied.join(', ')}` : ''}`))
    .catch((error) => {
      console.error(error);
      process.exit(1);
    });
}
