import type { Redis } from 'ioredis';
import { TestSystem } from '../support/system';
import { runFlashSale, SaleResult, untilReserved, waitForRedisServing } from './flash-sale';
import { PrivateRedis } from '../support/private-redis';

const UNITS = 100;
const BUYERS = 2_000;
const SALE_TIMEOUT_MS = 150_000;

/**
 * Issue 5's acceptance: a flash sale of one sku with 100 units and 2,000 concurrent buyers
 * (distinct users) through the gateway sells exactly 100 units, cancels the rest with
 * OUT_OF_STOCK and conserves stock: on the Redis fast path, with Redis down before the
 * sale (Postgres fallback), and with Redis killed in the middle of it.
 *
 * Inventory talks to a redis-server of this file's own (killed and restarted here); the
 * gateway keeps the shared Redis.
 */
describe('flash sale: 100 units, 2,000 concurrent buyers', () => {
  let redis: PrivateRedis;
  let system: TestSystem;
  let probe: Redis;

  beforeAll(async () => {
    redis = await PrivateRedis.start();
    system = await TestSystem.start({
      inventory: { REDIS_URL: redis.url, REDIS_BREAKER_OPEN_MS: '200', RECONCILE_INTERVAL_MS: '1000' },
      // Under CI load the gateway's consumer can lag behind a 2,000-order burst by more than
      // the 30 s default payment timeout; the sale tests stock, not timeouts.
      gateway: { ORDER_PAYMENT_TIMEOUT_MS: '600000' },
    });
    probe = redis.client();
    await waitForRedisServing(system);
  });

  afterAll(async () => {
    probe?.disconnect();
    await system?.stop();
    await redis?.stop();
  });

  function expectExactlySoldOut(sale: SaleResult) {
    expect([...sale.httpStatuses]).toEqual([[202, BUYERS]]);
    expect(sale.outcomes).toEqual([
      { status: 'CANCELLED', cancel_reason: 'OUT_OF_STOCK', count: BUYERS - UNITS },
      { status: 'CONFIRMED', cancel_reason: null, count: UNITS },
    ]);
    expect(sale.paths.filter((row) => row.state !== 'COMMITTED')).toEqual([]);
    expect(sale.paths.reduce((sum, row) => sum + row.count, 0)).toBe(UNITS);
  }

  it(
    'sells exactly 100 on the Redis fast path',
    async () => {
      await system.createProduct({ sku: 'FLASH-REDIS', initialStock: UNITS });

      const sale = await runFlashSale(system, 'FLASH-REDIS', BUYERS);
      console.log(`flash sale, redis path: accepted ${sale.acceptedMs} ms, all terminal ${sale.settledMs} ms`, sale.paths);

      expectExactlySoldOut(sale);
      expect(sale.paths).toEqual([{ path: 'redis', state: 'COMMITTED', count: UNITS }]);
      expect(await system.stock('FLASH-REDIS')).toEqual({ available: 0, reserved: 0, sold: UNITS, adjusted: 0 });
      await system.assertStockConserved();
      // The Redis view agrees with Postgres: nothing left, no open hold.
      expect(await probe.hget(`${system.prefix}inv:sku:FLASH-REDIS`, 'a')).toBe('0');
      expect(await probe.zcard(`${system.prefix}inv:holds`)).toBe(0);
    },
    SALE_TIMEOUT_MS,
  );

  it(
    'sells exactly 100 through the Postgres fallback when Redis is down before the sale',
    async () => {
      await system.createProduct({ sku: 'FLASH-PG', initialStock: UNITS });
      await redis.stop();

      const sale = await runFlashSale(system, 'FLASH-PG', BUYERS);
      console.log(`flash sale, redis down: accepted ${sale.acceptedMs} ms, all terminal ${sale.settledMs} ms`, sale.paths);

      expectExactlySoldOut(sale);
      expect(sale.paths).toEqual([{ path: 'postgres', state: 'COMMITTED', count: UNITS }]);
      expect(await system.stock('FLASH-PG')).toEqual({ available: 0, reserved: 0, sold: UNITS, adjusted: 0 });
      await system.assertStockConserved();
    },
    SALE_TIMEOUT_MS,
  );

  it(
    'sells exactly 100 when Redis is killed in the middle of the sale, and re-warms when it returns',
    async () => {
      await redis.start();
      await waitForRedisServing(system);
      await system.createProduct({ sku: 'FLASH-MID', initialStock: UNITS });

      const sale = await runFlashSale(
        system,
        'FLASH-MID',
        BUYERS,
        async () => {
          // Kill Redis once a fifth of the stock has been reserved on the fast path.
          await untilReserved(system, 'FLASH-MID', UNITS / 5);
          await redis.stop();
        },
        // Half the stock's worth of buyers lead (their orders still in flight at the kill);
        // the other buyers follow it, so the kill is mid-sale whatever the consumer batches.
        { leadBuyers: UNITS / 2 },
      );
      console.log(`flash sale, redis killed mid-sale: accepted ${sale.acceptedMs} ms, all terminal ${sale.settledMs} ms`, sale.paths);

      expectExactlySoldOut(sale);
      const byPath = Object.fromEntries(sale.paths.map((row) => [row.path, row.count]));
      expect(byPath.redis).toBeGreaterThanOrEqual(UNITS / 5);
      expect(byPath.postgres).toBeGreaterThan(0);
      expect(await system.stock('FLASH-MID')).toEqual({ available: 0, reserved: 0, sold: UNITS, adjusted: 0 });
      await system.assertStockConserved();

      // Redis comes back empty: the engine re-warms it from Postgres before it serves again.
      await redis.start();
      await waitForRedisServing(system);
      expect(await probe.hget(`${system.prefix}inv:sku:FLASH-MID`, 'a')).toBe('0');
      expect(await probe.hget(`${system.prefix}inv:sku:FLASH-PG`, 'a')).toBe('0');
    },
    SALE_TIMEOUT_MS,
  );
});
