import request from 'supertest';
import { PrivateRedis } from '../support/private-redis';
import { TestSystem } from '../support/system';

/** /ready names a dependency that went away, and recovers by itself when it is back. */
describe('readiness follows Redis going away and coming back', () => {
  let redis: PrivateRedis;
  let system: TestSystem;

  beforeAll(async () => {
    // A private redis-server: the shared one on 6379 is never stopped.
    redis = await PrivateRedis.start();
    system = await TestSystem.start({ env: { REDIS_URL: redis.url } });
  });

  afterAll(async () => {
    await system?.stop();
    await redis?.stop();
  });

  async function readyUntil(baseUrl: string, status: number, timeoutMs = 20_000) {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const response = await request(baseUrl).get('/ready');
      if (response.status === status) return response;
      if (Date.now() > deadline) throw new Error(`/ready stayed ${response.status}: ${response.text}`);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }

  it('answers 503 naming redis while it is down, then 200 once it is back', async () => {
    for (const url of [system.gatewayUrl, system.inventoryUrl]) {
      expect((await readyUntil(url, 200)).body).toMatchObject({ status: 'ready', checks: { postgres: 'up', redis: 'up', kafka: 'up' } });
    }

    await redis.stop();

    for (const url of [system.gatewayUrl, system.inventoryUrl]) {
      const down = await readyUntil(url, 503);
      expect(down.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(down.body).toMatchObject({
        status: 503,
        detail: 'Not ready: redis unavailable.',
        checks: { postgres: 'up', redis: 'down', kafka: 'up' },
        errors: [{ field: 'redis', message: 'redis is unavailable' }],
      });
      // No internal host or port in the answer.
      expect(down.text).not.toContain(String(redis.port));
    }
    // Liveness is not readiness: the process is still up.
    await request(system.gatewayUrl).get('/health').expect(200, { status: 'ok' });

    await redis.start();

    for (const url of [system.gatewayUrl, system.inventoryUrl]) {
      expect((await readyUntil(url, 200)).body).toMatchObject({ status: 'ready', checks: { redis: 'up' } });
    }
  });
});
