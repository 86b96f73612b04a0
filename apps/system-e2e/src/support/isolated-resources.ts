import { deleteTopics, ensureTopics, sagaTopics, TopicReplication } from '@orders/platform-messaging';
import { DEVELOPMENT_JWT_SECRET, KafkaSecurity } from '@orders/platform-config';
import { Redis } from 'ioredis';
import { Kafka, logLevel } from 'kafkajs';
import { JwtPayload, sign } from 'jsonwebtoken';
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
export async function createEmptyDatabase(name: string, adminUrl = TEST_ENV.adminDatabaseUrl): Promise<void> {
  const admin = new Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE "${name}"`);
  } finally {
    await admin.end();
  }
}

/** Drops a test's database, topics and Redis keys. */
export async function releaseTestResources(
  database: string,
  prefix: string,
  brokers: string[],
  redisUrl = TEST_ENV.redisUrl,
  kafkaSecurity?: KafkaSecurity,
): Promise<void> {
  const admin = new Client({ connectionString: TEST_ENV.adminDatabaseUrl });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`).finally(() => admin.end());
  await deleteTopics(
    brokers,
    sagaTopics(prefix).map((spec) => spec.topic),
    kafkaSecurity,
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

export async function createTestTopics(
  brokers: string[],
  prefix: string,
  options: { security?: KafkaSecurity; replication?: TopicReplication } = {},
): Promise<void> {
  const specs = sagaTopics(prefix, 3);
  await ensureTopics(brokers, specs, options);
  if (brokers.length > 1)
    await waitUntilEveryBrokerKnows(
      brokers,
      specs.map((spec) => spec.topic),
    );
}

/**
 * A new topic reaches each broker's metadata cache a moment apart (KRaft propagates it);
 * a client that asks a broker that has not caught up is told the topic does not exist.
 */
async function waitUntilEveryBrokerKnows(brokers: string[], topics: string[], timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (const broker of brokers) {
    const admin = new Kafka({ clientId: 'topic-probe', brokers: [broker], logLevel: logLevel.NOTHING, retry: { retries: 0 } }).admin();
    await admin.connect();
    try {
      for (;;) {
        const known = await admin
          .fetchTopicMetadata({ topics })
          .then(({ topics: metadata }) => metadata.every((topic) => topic.partitions.every((partition) => partition.leader >= 0)))
          .catch(() => false);
        if (known) break;
        if (Date.now() > deadline) throw new Error(`broker ${broker} does not know the test's topics after ${timeoutMs} ms`);
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
    } finally {
      await admin.disconnect();
    }
  }
}

export function testToken(userId: string, roles: string[] = [], expiresIn = 600): string {
  return sign({ sub: userId, roles } satisfies JwtPayload, DEVELOPMENT_JWT_SECRET, { algorithm: 'HS256', expiresIn });
}

// Ports handed to child processes come from a range below Linux's ephemeral ports (32768+),
// walked from a per-process offset: a port asked of the kernel with listen(0) is an ephemeral
// one that an outgoing connection, or another worker's freePort, can take before the child binds.
const PORT_RANGE = { from: 20_000, size: 12_000 };
let nextPort = PORT_RANGE.from + ((process.pid * 7_919) % PORT_RANGE.size);

function isFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => {
      resolve(false);
    });
    server.listen(port, '0.0.0.0', () =>
      server.close(() => {
        resolve(true);
      }),
    );
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
