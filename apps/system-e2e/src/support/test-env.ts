import { randomBytes } from 'node:crypto';

/** Where the e2e tests find the real infrastructure (overridable like the apps). */
export const TEST_ENV = {
  adminDatabaseUrl: process.env.TEST_DATABASE_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres',
  databasePrefix: 'orders_test_',
  redisUrl: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
  kafkaBrokers: process.env.KAFKA_BROKERS ?? '127.0.0.1:9092',
  logLevel: process.env.TEST_LOG_LEVEL ?? 'error',
};

export function databaseUrl(name: string): string {
  const url = new URL(TEST_ENV.adminDatabaseUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

/** `<base-36 time>x<random>`: unique, and tells how old a leftover database is. */
export function uniqueSuffix(): string {
  return `${Date.now().toString(36)}x${randomBytes(3).toString('hex')}`;
}

/** The template this run migrated (set by the global setup, inherited by the workers). */
export function templateDatabase(): string {
  const name = process.env.ORDERS_TEST_TEMPLATE;
  if (!name) throw new Error('ORDERS_TEST_TEMPLATE is not set: run the e2e tests through Jest (global setup)');
  return name;
}

/** Databases of test runs that started long ago (crashed runs); never a running one's. */
export function isStaleTestDatabase(name: string, now = Date.now()): boolean {
  const match = new RegExp(`^${TEST_ENV.databasePrefix}([0-9a-z]+)x`).exec(name);
  return match !== null && parseInt(match[1], 36) < now - 2 * 60 * 60 * 1000;
}
