import { deleteTopics, DEVELOPMENT_JWT_SECRET, ensureTopics, sagaTopics } from '@orders/platform';
import Redis from 'ioredis';
import { sign } from 'jsonwebtoken';
import { createServer } from 'node:net';
import { Client } from 'pg';
import { databaseUrl, TEST_ENV, templateDatabase } from './test-env';

/** A database copied from this run's migrated template. */
export async function createTestDatabase(name: string): Promise<void> {
  const admin = new Client({ connectionString: TEST_ENV.adminDatabaseUrl });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE "${name}" TEMPLATE "${templateDatabase()}"`);
  } finally {
    await admin.end();
  }
}

/** Drops a test's database, topics and Redis keys. */
export async function releaseTestResources(database: string, prefix: string, brokers: string[], redisUrl = TEST_ENV.redisUrl): Promise<void> {
  const admin = new Client({ connectionString: TEST_ENV.adminDatabaseUrl });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`).finally(() => admin.end());
  await deleteTopics(
    brokers,
    sagaTopics(prefix).map((spec) => spec.topic),
  ).catch(() => undefined);
  const redis = new Redis(redisUrl, { lazyConnect: true, maxRetriesPerRequest: 1 });
  try {
    await redis.connect();
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length > 0) await redis.del(...keys);
  } catch {
    // a private Redis of the test may already be gone
  } finally {
    redis.disconnect();
  }
}

export async function createTestTopics(brokers: string[], prefix: string): Promise<void> {
  await ensureTopics(brokers, sagaTopics(prefix, 3));
}

export function testToken(userId: string, roles: string[] = [], expiresIn = 600): string {
  return sign({ sub: userId, roles }, DEVELOPMENT_JWT_SECRET, { algorithm: 'HS256', expiresIn });
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

export { databaseUrl };
