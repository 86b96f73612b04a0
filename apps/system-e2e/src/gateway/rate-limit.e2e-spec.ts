import { createGatewayApp, GatewayConfig, SlidingWindowLimiter } from '@orders/order-gateway';
import { HttpApp } from '@orders/platform-service';
import { loadConfig } from '@orders/platform-config';
import { Redis } from 'ioredis';
import request from 'supertest';
import { TestSystem } from '../support/system';
import { databaseUrl, TEST_ENV } from '../support/test-env';
import { expectProblem } from './http-kit';

const LIMIT = 5;

/**
 * Contract, Guarantees: rate limit per user on order creation (RATE_LIMIT_ORDERS_PER_MINUTE),
 * shared by all gateway replicas (kept in Redis); over the limit: 429 with Retry-After.
 */
describe('gateway rate limit on order creation', () => {
  let system: TestSystem;
  let replica: HttpApp;
  let replicaUrl: string;
  let keys = 0;

  beforeAll(async () => {
    system = await TestSystem.start({ gateway: { RATE_LIMIT_ORDERS_PER_MINUTE: String(LIMIT), ORDER_PAYMENT_TIMEOUT_MS: '600000' } });
    await system.createProduct({ sku: 'RATE-1', priceCents: 100, initialStock: 10_000 });
    // A second gateway replica: same database, topics, consumer group and Redis key prefix.
    replica = await startReplica();
    replicaUrl = await replica.getUrl();
  });

  async function startReplica(env: Record<string, string> = {}): Promise<HttpApp> {
    const app = await createGatewayApp(
      loadConfig(GatewayConfig, {
        NODE_ENV: 'test',
        LOG_LEVEL: TEST_ENV.logLevel,
        DATABASE_URL: databaseUrl(system.database),
        DB_POOL_SIZE: '3',
        REDIS_URL: TEST_ENV.redisUrl,
        REDIS_KEY_PREFIX: system.prefix,
        KAFKA_BROKERS: TEST_ENV.kafkaBrokers,
        KAFKA_TOPIC_PREFIX: system.prefix,
        INVENTORY_URL: system.inventoryUrl,
        RATE_LIMIT_ORDERS_PER_MINUTE: String(LIMIT),
        ORDER_PAYMENT_TIMEOUT_MS: '600000',
        PORT: '0',
        ...env,
      }),
    );
    await app.listen(0, '127.0.0.1');
    return app;
  }

  afterAll(async () => {
    await replica?.close().catch(() => undefined);
    await system?.stop();
  });

  function placeOrder(baseUrl: string, userId: string, body: object = { items: [{ sku: 'RATE-1', quantity: 1 }], paymentMethod: 'pm_card_timeout' }) {
    keys += 1;
    return request(baseUrl)
      .post('/orders')
      .set('authorization', `Bearer ${system.token(userId)}`)
      .set('idempotency-key', `rate-${keys}`)
      .send(body);
  }

  async function ordersOf(userId: string): Promise<number> {
    const { rows } = await system.db.query('SELECT count(*)::int AS n FROM gateway.orders WHERE user_id = $1', [userId]);
    return rows[0].n;
  }

  it('admits the limit, then answers 429 with Retry-After as problem+json', async () => {
    for (let index = 0; index < LIMIT; index += 1) expect((await placeOrder(system.gatewayUrl, 'eager')).status).toBe(202);

    const refused = await placeOrder(system.gatewayUrl, 'eager');
    const problem = expectProblem(refused, 429);
    expect(problem.type).toMatch(/rate-limited$/);
    const retryAfter = Number(refused.headers['retry-after']);
    expect(Number.isInteger(retryAfter)).toBe(true);
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(60);
    expect(await ordersOf('eager')).toBe(LIMIT);
  });

  it('claims nothing for a refused request: its Idempotency-Key stays free for the retry', async () => {
    const refused = await request(system.gatewayUrl)
      .post('/orders')
      .set('authorization', `Bearer ${system.token('eager')}`)
      .set('idempotency-key', 'refused-key')
      .send({ items: [{ sku: 'RATE-1', quantity: 1 }] });
    expectProblem(refused, 429);
    const redis = new Redis(TEST_ENV.redisUrl);
    try {
      expect(await redis.exists(`${system.prefix}idempotency:{eager}:refused-key`)).toBe(0);
    } finally {
      await redis.quit();
    }
  });

  it('counts per user: another user is not affected', async () => {
    expect((await placeOrder(system.gatewayUrl, 'patient')).status).toBe(202);
  });

  it('holds across replicas: the window is shared through Redis', async () => {
    expectProblem(await placeOrder(replicaUrl, 'eager'), 429);

    // A fresh user split across both replicas gets the limit in total, not per replica.
    const statuses: number[] = [];
    for (let index = 0; index < LIMIT + 2; index += 1) statuses.push((await placeOrder(index % 2 === 0 ? system.gatewayUrl : replicaUrl, 'roaming')).status);
    expect(statuses).toEqual([...Array(LIMIT).fill(202), 429, 429]);
    expect(await ordersOf('roaming')).toBe(LIMIT);
  });

  it('admits exactly the limit under a concurrent burst', async () => {
    const responses = await Promise.all(Array.from({ length: 3 * LIMIT }, (_, index) => placeOrder(index % 2 === 0 ? system.gatewayUrl : replicaUrl, 'burst')));
    const statuses = responses.map((response) => response.status);
    expect(statuses.filter((status) => status === 202)).toHaveLength(LIMIT);
    expect(statuses.filter((status) => status === 429)).toHaveLength(2 * LIMIT);
    expect(await ordersOf('burst')).toBe(LIMIT);
  });

  it('counts every creation attempt, invalid ones included, and limits nothing else', async () => {
    for (let index = 0; index < LIMIT; index += 1) expectProblem(await placeOrder(system.gatewayUrl, 'sloppy', { items: [] }), 400);
    expectProblem(await placeOrder(system.gatewayUrl, 'sloppy'), 429);
    // Reads and cancels are not order creations.
    for (let index = 0; index < LIMIT + 2; index += 1) {
      expect(
        (
          await request(system.gatewayUrl)
            .get('/orders')
            .set('authorization', `Bearer ${system.token('sloppy')}`)
        ).status,
      ).toBe(200);
    }
  });

  it('admits orders unchecked (and counts them in a metric) when Redis is unreachable, rather than refusing them all', async () => {
    // A replica whose Redis is a closed port; the shared Redis is never touched.
    const blind = await startReplica({ REDIS_URL: 'redis://127.0.0.1:9' });
    try {
      const url = await blind.getUrl();
      const statuses: number[] = [];
      for (let index = 0; index < LIMIT + 1; index += 1) statuses.push((await placeOrder(url, 'redisless')).status);
      expect(statuses).toEqual(Array(LIMIT + 1).fill(202));
      const metrics = await request(url).get('/metrics');
      expect(metrics.text).toMatch(/gateway_rate_limit_unavailable_total \d+/);

      // No claim in Redis then: PostgreSQL alone keeps each key to one order, however often it is sent.
      const send = () =>
        request(url)
          .post('/orders')
          .set('authorization', `Bearer ${system.token('redisless')}`)
          .set('idempotency-key', 'redisless-once')
          .send({ items: [{ sku: 'RATE-1', quantity: 2 }], paymentMethod: 'pm_card_timeout' });
      const [first, ...repeats] = await Promise.all([send(), send(), send()]);
      const responses = [first, ...repeats];
      expect(responses.map((response) => response.status)).toEqual([202, 202, 202]);
      expect(responses.filter((response) => response.headers['idempotent-replayed'] !== 'true')).toHaveLength(1);
      expect(new Set(responses.map((response) => response.body.id)).size).toBe(1);
      const { rows } = await system.db.query(
        "SELECT count(*)::int AS n FROM gateway.orders o JOIN gateway.idempotency_keys k ON k.order_id = o.id WHERE k.user_id = 'redisless' AND k.key = 'redisless-once'",
      );
      expect(rows[0].n).toBe(1);
      expect(await ordersOf('redisless')).toBe(LIMIT + 2);
    } finally {
      await blind.close().catch(() => undefined);
    }
  });

  it('keeps its window in Redis under the deployment’s key prefix, and slides', async () => {
    const redis = new Redis(TEST_ENV.redisUrl);
    try {
      // {eager}: the hash tag the user's idempotency claims share, so one script touches one slot.
      expect(await redis.zcard(`${system.prefix}ratelimit:orders:{eager}`)).toBe(LIMIT);
      expect(await redis.pttl(`${system.prefix}ratelimit:orders:{eager}`)).toBeGreaterThan(0);
    } finally {
      await redis.quit();
    }
    const limiter = system.gateway.get(SlidingWindowLimiter);
    // The same sliding window on a short scale: full, refused with a retry hint, then free again once it slides.
    const key = `ratelimit:test:${Date.now()}`;
    for (let index = 0; index < 3; index += 1) expect((await limiter.take(key, 3, 1_000)).allowed).toBe(true);
    const refused = await limiter.take(key, 3, 1_000);
    expect(refused).toMatchObject({ allowed: false, remaining: 0 });
    expect(refused.retryAfterMs).toBeGreaterThan(0);
    expect(refused.retryAfterMs).toBeLessThanOrEqual(1_000);
    await new Promise((resolve) => setTimeout(resolve, refused.retryAfterMs + 50));
    expect((await limiter.take(key, 3, 1_000)).allowed).toBe(true);
  });
});
