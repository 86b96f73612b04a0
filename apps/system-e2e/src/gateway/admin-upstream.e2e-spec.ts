import { createGatewayApp, GatewayConfig } from '@orders/order-gateway';
import { HttpApp } from '@orders/platform-service';
import { loadConfig } from '@orders/platform-config';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import request from 'supertest';
import { TestSystem } from '../support/system';
import { databaseUrl, TEST_ENV } from '../support/test-env';
import { expectProblem } from './http-kit';

/**
 * Issue 18, point 4: the admin API is inventory's, relayed by the gateway.
 * - Stock is bounded (1e9 units per sku in all), so no adjustment can overflow a column: a
 *   409, not a Postgres error that the gateway turned into "503, retry".
 * - The gateway answers 502 (no retry promise) when inventory fails, 503 with Retry-After
 *   only when inventory is unreachable or says it is temporarily unable.
 */
describe('gateway admin API over inventory', () => {
  let system: TestSystem;
  const admin = () => `Bearer ${system.adminToken()}`;

  beforeAll(async () => {
    system = await TestSystem.start();
    await system.createProduct({ sku: 'UP-1', priceCents: 100, initialStock: 10 });
  });

  afterAll(async () => {
    await system?.stop();
  });

  describe('stock bounds', () => {
    it('refuses an adjustment past 1e9 units in all with 409 and changes nothing', async () => {
      await system.createProduct({ sku: 'UP-BIG', priceCents: 1, initialStock: 1_000_000_000 });
      for (let attempt = 0; attempt < 3; attempt += 1) {
        const response = await system.http().post('/admin/inventory/UP-BIG/adjust').set('authorization', admin()).send({ delta: 1_000_000_000 });
        const problem = expectProblem(response, 409);
        expect(problem.type).toMatch(/stock-limit-exceeded$/);
        expect(response.headers['retry-after']).toBeUndefined();
      }
      expect(await system.stock('UP-BIG')).toEqual({ available: 1_000_000_000, reserved: 0, sold: 0, adjusted: 0 });
      const down = await system.http().post('/admin/inventory/UP-BIG/adjust').set('authorization', admin()).send({ delta: -5 });
      expect(down.status).toBe(200);
      const up = await system.http().post('/admin/inventory/UP-BIG/adjust').set('authorization', admin()).send({ delta: 5 });
      expect(up.body).toEqual({ sku: 'UP-BIG', available: 1_000_000_000, reserved: 0, sold: 0 });
      await system.assertStockConserved();
    });
  });

  describe('inventory failing or away', () => {
    let upstream: http.Server;
    let upstreamStatus = 500;
    let gateway: HttpApp;

    beforeAll(async () => {
      // Stands in for an inventory that fails: whatever it is asked, it answers upstreamStatus.
      upstream = http.createServer((_req, res) => {
        res.writeHead(upstreamStatus, { 'content-type': 'application/problem+json', ...(upstreamStatus === 503 ? { 'retry-after': '1' } : {}) });
        res.end(JSON.stringify({ type: 'about:blank', title: 'x', status: upstreamStatus, detail: 'x', instance: '/internal' }));
      });
      await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
      gateway = await createGatewayApp(
        loadConfig(GatewayConfig, {
          NODE_ENV: 'test',
          LOG_LEVEL: TEST_ENV.logLevel,
          DATABASE_URL: databaseUrl(system.database),
          DB_POOL_SIZE: '2',
          REDIS_URL: TEST_ENV.redisUrl,
          REDIS_KEY_PREFIX: system.prefix,
          KAFKA_BROKERS: TEST_ENV.kafkaBrokers,
          KAFKA_TOPIC_PREFIX: system.prefix,
          INVENTORY_URL: `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`,
          PORT: '0',
        }),
      );
      await gateway.listen(0, '127.0.0.1');
    });

    afterAll(async () => {
      await gateway?.close().catch(() => undefined);
      await new Promise((resolve) => upstream?.close(resolve));
    });

    const adjust = async () =>
      request(await gateway.getUrl())
        .post('/admin/inventory/UP-1/adjust')
        .set('authorization', admin())
        .send({ delta: 1 });

    it.each([500, 501, 504])('answers 502 without Retry-After when inventory answers %i', async (status) => {
      upstreamStatus = status;
      const response = await adjust();
      expect(expectProblem(response, 502).type).toMatch(/inventory-failed$/);
      expect(response.headers['retry-after']).toBeUndefined();
    });

    it('answers 503 with Retry-After when inventory says it is temporarily unable', async () => {
      upstreamStatus = 503;
      const response = await adjust();
      expect(expectProblem(response, 503).type).toMatch(/inventory-unavailable$/);
      expect(response.headers['retry-after']).toBe('1');
    });

    it('answers 503 with Retry-After when inventory cannot be reached', async () => {
      await new Promise((resolve) => upstream.close(resolve));
      const response = await adjust();
      expect(expectProblem(response, 503).type).toMatch(/inventory-unavailable$/);
      expect(response.headers['retry-after']).toBe('1');
    });
  });
});
