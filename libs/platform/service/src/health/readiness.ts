import type { Redis } from 'ioredis';
import type { DataSource } from 'typeorm';
import type { KafkaProbe, OutboxRelay } from '@orders/platform-messaging';
import { withTimeout } from '@orders/platform-async';

/** One dependency `/ready` checks; `check` rejects when it is not usable. */
export interface ReadinessCheck {
  name: string;
  check(): Promise<void>;
}

export const READINESS_CHECKS = Symbol('READINESS_CHECKS');

/** The longest `/ready` waits for any one dependency. */
export const READINESS_DEADLINE_MS = 1_500;

export const postgresCheck = (dataSource: DataSource): ReadinessCheck => ({
  name: 'postgres',
  check: async () => {
    await withTimeout(dataSource.query('SELECT 1'), 1_000, 'postgres');
  },
});

export const redisCheck = (redis: Redis): ReadinessCheck => ({
  name: 'redis',
  check: async () => {
    if (redis.status !== 'ready') throw new Error(`redis connection is ${redis.status}`);
    await withTimeout(redis.ping(), 1_000, 'redis');
  },
});

export const kafkaCheck = (probe: KafkaProbe): ReadinessCheck => ({
  name: 'kafka',
  check: () => probe.check(),
});

export const outboxRelayCheck = (relay: OutboxRelay): ReadinessCheck => ({
  name: 'outbox-relay',
  check: () =>
    relay.isHealthy() ? Promise.resolve() : Promise.reject(new Error('the outbox relay has not published or polled successfully in the last 30 s')),
});
