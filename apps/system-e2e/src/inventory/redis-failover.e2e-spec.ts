import { Redis } from 'ioredis';
import { PrivateRedisSentinel } from '../support/private-redis-sentinel';
import { TestSystem } from '../support/system';
import { waitUntil } from '../support/wait';
import { runFlashSale, untilReserved, waitForRedisServing } from './flash-sale';

const UNITS = 60;
const BUYERS = 300;

/**
 * Redis behind Sentinel (REDIS_SENTINELS): a primary, one replica and three sentinels of this
 * file's own. The primary is SIGKILLed in the middle of a sale: the stock engine falls back to
 * Postgres, the sentinels promote the replica, the client follows them to it and the engine
 * re-warms it. Exactly the stock is sold, nothing oversold.
 */
describe('Redis Sentinel failover in the middle of a sale', () => {
  let redis: PrivateRedisSentinel;
  let system: TestSystem;
  let probe: Redis | null = null;

  beforeAll(async () => {
    redis = await PrivateRedisSentinel.start();
    system = await TestSystem.start({
      inventory: {
        // With sentinels, REDIS_URL gives only password and database.
        REDIS_URL: 'redis://127.0.0.1:1/0',
        REDIS_SENTINELS: redis.sentinels,
        REDIS_SENTINEL_NAME: PrivateRedisSentinel.PRIMARY_NAME,
        REDIS_BREAKER_OPEN_MS: '200',
        RECONCILE_INTERVAL_MS: '1000',
      },
      gateway: { ORDER_PAYMENT_TIMEOUT_MS: '600000' },
    });
    await waitForRedisServing(system);
  }, 90_000);

  afterAll(async () => {
    probe?.disconnect();
    await system?.stop();
    await redis?.stop();
  }, 60_000);

  it('sells exactly the stock while the primary dies, and serves from the promoted replica after', async () => {
    expect(await redis.currentPrimaryPort()).toBe(redis.primaryPort);
    await system.createProduct({ sku: 'SENTINEL-BAG', initialStock: UNITS });

    const sale = await runFlashSale(system, 'SENTINEL-BAG', BUYERS, async () => {
      await untilReserved(system, 'SENTINEL-BAG', UNITS / 4);
      await redis.killPrimary();
    });

    expect([...sale.httpStatuses]).toEqual([[202, BUYERS]]);
    expect(sale.outcomes).toEqual([
      { status: 'CANCELLED', cancel_reason: 'OUT_OF_STOCK', count: BUYERS - UNITS },
      { status: 'CONFIRMED', cancel_reason: null, count: UNITS },
    ]);
    expect(sale.paths.filter((row) => row.state !== 'COMMITTED')).toEqual([]);
    expect(sale.paths.reduce((sum, row) => sum + row.count, 0)).toBe(UNITS);
    expect(await system.stock('SENTINEL-BAG')).toEqual({ available: 0, reserved: 0, sold: UNITS, adjusted: 0 });
    await system.assertStockConserved();

    // The sentinels promoted the replica; the engine found it through them and re-warmed it.
    await waitUntil(async () => (await redis.currentPrimaryPort()) === redis.replicaPort, 30_000);
    await waitForRedisServing(system, 30_000);
    probe = redis.client(redis.replicaPort);
    await waitUntil(async () => (await probe!.hget(`${system.prefix}inv:sku:SENTINEL-BAG`, 'a')) === '0', 30_000);
    console.log(`redis-failover: ${UNITS} sold of ${BUYERS} buyers; paths`, sale.paths);
  }, 240_000);
});
