import { deleteTopics, DEVELOPMENT_JWT_SECRET, ensureTopics, sagaTopics } from '@orders/platform';
import { Redis } from 'ioredis';
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

/** An empty database (the test runs the migrations itself, e.g. the images' migration jobs). */
export async function createEmptyDatabase(name: string): Promise<void> {
  const admin = new Client({ connectionString: TEST_ENV.adminDatabaseUrl });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE "${name}"`);
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

// Ports handed to child processes come from a range below Linux's ephemeral ports (32768+),
// walked from a per-process offset: a port asked of the kernel with listen(0) is an ephemeral
// one that an outgoing connection, or another worker's freePort, can take before the child binds.
const PORT_RANGE = { from: 20_000, size: 12_000 };
let nextPort = PORT_RANGE.from + ((process.pid * 7_919) % PORT_RANGE.size);

function isFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '0.0.0.0', () => server.close(() => resolve(true)));
  });
}

export async function freePort(): Promise<number> {
  for (let tries = 0; tries < 1_000; tries++) {
    const port = nextPort;
    nextPort = PORT_RANGE.from + ((nextPort - PORT_RANGE.from + 1) % PORT_RANGE.size);
    if (await isFree(port)) return port;
  }
  throw new Error('no free port');
}

export { databaseUrl };
