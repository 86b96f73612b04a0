import 'reflect-metadata';
import { GatewayConfig, migrateGateway } from '@orders/order-gateway';
import { InventoryConfig, migrateInventory } from '@orders/inventory-service';
import { migratePayment, PaymentConfig } from '@orders/payment-service';
import { describeMigration } from '@orders/platform-database';
import { loadConfig, ServiceConfig } from '@orders/platform-config';
import { IsOptional, Matches } from 'class-validator';

/**
 * Optional runtime URLs, one per service: with them, DATABASE_URL is the migration role
 * and each service's role (the URL's user) is created or checked, with rights on its own
 * schema only.
 */
class MigrateToolConfig {
  @IsOptional()
  @Matches(/^postgres(ql)?:\/\//)
  GATEWAY_DATABASE_URL?: string;

  @IsOptional()
  @Matches(/^postgres(ql)?:\/\//)
  INVENTORY_DATABASE_URL?: string;

  @IsOptional()
  @Matches(/^postgres(ql)?:\/\//)
  PAYMENT_DATABASE_URL?: string;
}

/** The service runs as `runtimeUrl`'s role; DATABASE_URL's role migrates. */
function runningAs<C extends ServiceConfig>(config: C, runtimeUrl: string | undefined): C {
  return runtimeUrl ? Object.assign(config, { MIGRATION_DATABASE_URL: config.DATABASE_URL, DATABASE_URL: runtimeUrl }) : config;
}

/** Applies every service's pending migrations (each service to its own schema). */
async function main(): Promise<void> {
  const tool = loadConfig(MigrateToolConfig);
  const steps = [
    ['order-gateway', () => migrateGateway(runningAs(loadConfig(GatewayConfig), tool.GATEWAY_DATABASE_URL))],
    ['inventory-service', () => migrateInventory(runningAs(loadConfig(InventoryConfig), tool.INVENTORY_DATABASE_URL))],
    ['payment-service', () => migratePayment(runningAs(loadConfig(PaymentConfig), tool.PAYMENT_DATABASE_URL))],
  ] as const;
  for (const [service, migrate] of steps) console.log(`migrate: ${describeMigration(service, await migrate())}`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
