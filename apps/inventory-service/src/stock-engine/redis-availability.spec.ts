import { DataSource, EntityManager } from 'typeorm';
import { automock } from '../../test/automock';
import { InventoryConfig } from '../config/inventory.config';
import { StockStore, WarmState } from '../stock-store/stock-store';
import { BREAKER_STATE_VALUE, breakerState } from './engine-metrics';
import { RedisAvailability } from './redis-availability';
import { RedisStock } from './redis-stock';

const warmState: WarmState = { stock: [{ sku: 'a', available: 5 }], holds: [] };

function newTestAvailability() {
  const redisStock = automock(RedisStock);
  const store = automock(StockStore);
  const dataSource = { manager: {} as EntityManager } as DataSource;
  redisStock.ping.mockResolvedValue('PONG');
  redisStock.rewarm.mockResolvedValue(undefined);
  store.readWarmState.mockResolvedValue(warmState);
  const config = { REDIS_BREAKER_FAILURE_THRESHOLD: 1, REDIS_BREAKER_OPEN_MS: 60_000 } as InventoryConfig;
  const sut = new RedisAvailability(redisStock, store, dataSource, config);
  return { sut, redisStock, store, dataSource };
}

async function breakerGauge(): Promise<number> {
  return (await breakerState.get()).values[0].value;
}

describe('RedisAvailability', () => {
  it('starts unusable (Redis is not trusted before a re-warm) and serves once Postgres state is loaded into Redis', async () => {
    const { sut, redisStock, store, dataSource } = newTestAvailability();
    expect(sut.isUsable()).toBe(false);
    expect(await breakerGauge()).toBe(BREAKER_STATE_VALUE.open);

    await sut.rewarmIfDue();

    expect(store.readWarmState).toHaveBeenCalledWith(dataSource.manager);
    expect(redisStock.rewarm).toHaveBeenCalledWith(warmState);
    expect(sut.isUsable()).toBe(true);
    expect(await breakerGauge()).toBe(BREAKER_STATE_VALUE.closed);
  });

  it('runs one re-warm at a time', async () => {
    const { sut, store } = newTestAvailability();

    const first = sut.rewarmIfDue();
    expect(sut.rewarmIfDue()).toBe(first);
    await first;

    expect(store.readWarmState).toHaveBeenCalledTimes(1);
  });

  it('stays unusable when the re-warm fails', async () => {
    const { sut, redisStock } = newTestAvailability();
    redisStock.ping.mockRejectedValue(new Error('connection refused'));

    await sut.rewarmIfDue();

    expect(sut.isUsable()).toBe(false);
    expect(await breakerGauge()).toBe(BREAKER_STATE_VALUE.open);
  });

  it('answers a failing call with null and stops serving from Redis', async () => {
    const { sut } = newTestAvailability();
    await sut.rewarmIfDue();

    expect(await sut.call(() => Promise.reject(new Error('timeout')))).toBeNull();

    expect(sut.isUsable()).toBe(false);
    expect(await breakerGauge()).toBe(BREAKER_STATE_VALUE.open);
  });

  it('stops serving from Redis at once when Redis lost its data, and the gauge says so', async () => {
    const { sut } = newTestAvailability();
    await sut.rewarmIfDue();
    expect(await sut.call(() => Promise.resolve('OK'))).toBe('OK');

    sut.lost();

    expect(sut.isUsable()).toBe(false);
    expect(await breakerGauge()).toBe(BREAKER_STATE_VALUE.open);
  });
});
