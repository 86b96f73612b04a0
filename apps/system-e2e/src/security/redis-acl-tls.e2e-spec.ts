import { createRedis } from '@orders/platform-redis';
import { redisCheck } from '@orders/platform-service';
import { Redis } from 'ioredis';
import { rm } from 'node:fs/promises';
import request from 'supertest';
import { PrivateTlsRedis } from '../support/private-tls-redis';
import { TestSystem } from '../support/system';
import { CertificateFiles, makeTestCertificates } from '../support/test-certificates';

/**
 * Redis with an ACL user and TLS: the gateway and inventory connect over rediss:// as
 * their ACL user, verifying the server against the configured CA.
 */
describe('Redis with an ACL user over TLS (rediss://)', () => {
  let certificates: CertificateFiles;
  let redis: PrivateTlsRedis;
  let system: TestSystem;
  const clients: Redis[] = [];

  beforeAll(async () => {
    certificates = await makeTestCertificates();
    redis = await PrivateTlsRedis.start(certificates);
    system = await TestSystem.start({ env: { REDIS_URL: redis.url(), REDIS_TLS_CA_FILE: certificates.caCert } });
    await system.createProduct({ sku: 'TLS-1', priceCents: 400, initialStock: 5 });
  });

  afterAll(async () => {
    for (const client of clients) client.disconnect();
    await system?.stop();
    await redis?.destroy();
    if (certificates) await rm(certificates.dir, { recursive: true, force: true });
  });

  function client(url: string, caFile = certificates.caCert): Redis {
    const redisClient = createRedis(url, '', 'test', { tls: { caFile } });
    redisClient.on('error', () => undefined);
    clients.push(redisClient);
    return redisClient;
  }

  it('runs the saga with the services on the TLS port as the ACL user', async () => {
    for (const url of [system.gatewayUrl, system.inventoryUrl]) {
      const ready = await request(url).get('/ready');
      expect({ url, status: ready.status, checks: ready.body.checks }).toMatchObject({ status: 200, checks: { redis: 'up' } });
    }
    const placed = await system.placeOrder('tess', { items: [{ sku: 'TLS-1', quantity: 1 }], paymentMethod: 'pm_card_ok' }, { prefer: 'wait=20' });
    expect(placed.body.status).toBe('CONFIRMED');
    // The stock engine and the rate limiter wrote their keys into this Redis.
    const direct = client(redis.url());
    await new Promise((resolve) => direct.once('ready', resolve));
    const keys = await direct.keys(`${system.prefix}*`);
    expect(keys.length).toBeGreaterThan(0);
  });

  it('fails readiness with the reason for a wrong password', async () => {
    const wrong = client(redis.url('not-the-password'));
    const refused = await new Promise<Error>((resolve) => wrong.once('error', resolve));
    expect(refused.message).toMatch(/WRONGPASS/);
    await expect(redisCheck(wrong).check()).rejects.toThrow(/redis connection is/);
  });

  it('refuses a Redis whose certificate was not signed by the configured CA', async () => {
    const untrusted = client(redis.url(), certificates.otherCaCert);
    await expect(untrusted.ping()).rejects.toThrow();
    expect(untrusted.status).not.toBe('ready');
  });

  it('refuses a Redis whose certificate does not name the host connected to', async () => {
    await expect(client(redis.url(redis.password, '127.0.0.1')).ping()).rejects.toThrow();
  });
});
