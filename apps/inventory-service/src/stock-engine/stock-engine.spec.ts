import { EntityManager } from 'typeorm';
import { automock } from '../../test/automock';
import { InventoryConfig } from '../config/inventory.config';
import { ProductRow } from '../stock-store/product-row';
import { StockStore } from '../stock-store/stock-store';
import { RedisAvailability } from './redis-availability';
import { RedisStock } from './redis-stock';
import { HeldOrder, StockEngine } from './stock-engine';

const GRACE_MS = 30_000;
const manager = {} as EntityManager;

function newTestEngine() {
  const availability = automock(RedisAvailability);
  const redisStock = automock(RedisStock);
  const store = automock(StockStore);
  availability.isUsable.mockReturnValue(true);
  availability.call.mockImplementation((work: () => Promise<unknown>) => work());
  availability.rewarmIfDue.mockReturnValue(null);
  store.recordReservations.mockResolvedValue(undefined);
  const sut = new StockEngine(availability, redisStock, store, { ORPHAN_HOLD_GRACE_MS: GRACE_MS } as InventoryConfig);
  return { sut, availability, redisStock, store };
}

const row = (sku: string, available: number): ProductRow => ({
  sku,
  name: sku,
  price_cents: '100',
  currency: 'USD',
  available,
  reserved: 0,
  sold: 0,
  revision: '1',
});

const order = (orderId: string, items: Record<string, number>, held: HeldOrder['held']): HeldOrder => ({
  orderId,
  items: Object.entries(items).map(([sku, quantity]) => ({ sku, quantity })),
  held,
});

describe('StockEngine', () => {
  describe('holdInRedis', () => {
    it('asks Redis for the hold while Redis is usable', async () => {
      const { sut, redisStock } = newTestEngine();
      redisStock.reserve.mockResolvedValue({ kind: 'held' });

      expect(await sut.holdInRedis('o1', [{ sku: 'a', quantity: 2 }])).toEqual({ kind: 'held' });
      expect(redisStock.reserve).toHaveBeenCalledWith('o1', [{ sku: 'a', quantity: 2 }]);
    });

    it('asks nothing of Redis while it is unusable, and asks for the re-warm', async () => {
      const { sut, availability, redisStock } = newTestEngine();
      availability.isUsable.mockReturnValue(false);

      expect(await sut.holdInRedis('o1', [{ sku: 'a', quantity: 2 }])).toBeNull();
      expect(redisStock.reserve).not.toHaveBeenCalled();
      expect(availability.rewarmIfDue).toHaveBeenCalled();
    });
  });

  describe('confirmMany', () => {
    it('lets Postgres decide an order Redis did not answer for (Redis unusable or failing)', async () => {
      const { sut, store } = newTestEngine();
      store.reserve.mockResolvedValue({ ok: true, rows: [row('a', 3)] });

      const decisions = await sut.confirmMany(manager, [order('o1', { a: 2 }, null)]);

      expect(decisions).toEqual([{ ok: true, path: 'postgres', rows: [row('a', 3)] }]);
      expect(store.reserve).toHaveBeenCalledWith(manager, [{ sku: 'a', quantity: 2 }]);
      expect(store.lockStock).not.toHaveBeenCalled();
      expect(store.recordReservations).toHaveBeenCalledWith(manager, [{ orderId: 'o1', items: [{ sku: 'a', quantity: 2 }], path: 'postgres' }]);
    });

    it('confirms every Redis hold of a batch with one lock and one stock move for their sum, and one ledger write', async () => {
      const { sut, store } = newTestEngine();
      store.lockStock.mockResolvedValue(
        new Map([
          ['a', 10],
          ['b', 10],
        ]),
      );
      store.moveStock.mockResolvedValue([row('a', 7), row('b', 8)]);

      const decisions = await sut.confirmMany(manager, [order('o1', { a: 1, b: 2 }, { kind: 'held' }), order('o2', { a: 2 }, { kind: 'held' })]);

      expect(store.lockStock).toHaveBeenCalledTimes(1);
      expect(store.lockStock).toHaveBeenCalledWith(manager, ['a', 'b']);
      expect(store.moveStock).toHaveBeenCalledTimes(1);
      expect(store.moveStock).toHaveBeenCalledWith(manager, 'reserve', [
        { sku: 'a', quantity: 3 },
        { sku: 'b', quantity: 2 },
      ]);
      expect(store.reserve).not.toHaveBeenCalled();
      expect(decisions).toEqual([
        { ok: true, path: 'redis', rows: [row('a', 7), row('b', 8)] },
        { ok: true, path: 'redis', rows: [row('a', 7)] },
      ]);
      expect(store.recordReservations).toHaveBeenCalledTimes(1);
      expect(store.recordReservations.mock.calls[0][1].map((entry) => entry.orderId)).toEqual(['o1', 'o2']);
    });

    it('decides held orders one at a time, all items or none, when Postgres cannot cover the batch; a refused hold is undone in Redis', async () => {
      const { sut, store, redisStock } = newTestEngine();
      store.lockStock.mockResolvedValue(new Map([['a', 2]]));
      const shortages = [{ sku: 'a', requested: 2, available: 0 }];
      store.reserve.mockResolvedValueOnce({ ok: true, rows: [row('a', 0)] }).mockResolvedValueOnce({ ok: false, shortages, unknown: false });
      redisStock.settle.mockResolvedValue('OK');

      const decisions = await sut.confirmMany(manager, [order('o1', { a: 2 }, { kind: 'held' }), order('o2', { a: 2 }, { kind: 'held' })]);

      expect(store.moveStock).not.toHaveBeenCalled();
      expect(decisions).toEqual([
        { ok: true, path: 'redis', rows: [row('a', 0)] },
        { ok: false, path: 'redis', shortages, unknown: false },
      ]);
      expect(redisStock.settle).toHaveBeenCalledTimes(1);
      expect(redisStock.settle).toHaveBeenCalledWith('o2', 'undo');
      expect(store.recordReservations).toHaveBeenCalledWith(manager, [{ orderId: 'o1', items: [{ sku: 'a', quantity: 2 }], path: 'redis' }]);
    });

    it('refuses what Redis calls short when Postgres agrees, with one read for the batch, and tells unknown skus apart', async () => {
      const { sut, store } = newTestEngine();
      store.readAvailable.mockResolvedValue(new Map([['a', 1]]));
      const short = { kind: 'short' as const, available: new Map([['a', 1]]) };

      const decisions = await sut.confirmMany(manager, [order('o1', { a: 2 }, short), order('o2', { ghost: 1 }, short)]);

      expect(store.readAvailable).toHaveBeenCalledTimes(1);
      expect(store.readAvailable).toHaveBeenCalledWith(manager, ['a', 'ghost']);
      expect(decisions).toEqual([
        { ok: false, path: 'redis', shortages: [{ sku: 'a', requested: 2, available: 1 }], unknown: false },
        { ok: false, path: 'redis', shortages: [{ sku: 'ghost', requested: 1, available: 0 }], unknown: true },
      ]);
      expect(store.reserve).not.toHaveBeenCalled();
      expect(store.recordReservations).not.toHaveBeenCalled();
    });

    it('keeps a Redis short that earlier in-flight holds explain, after writing the ledger the dispute reads', async () => {
      const { sut, store, redisStock } = newTestEngine();
      store.lockStock.mockResolvedValue(new Map([['b', 5]]));
      store.moveStock.mockResolvedValue([row('b', 4)]);
      // Postgres still shows the last unit of a: another order holds it in Redis, uncommitted.
      store.readAvailable.mockResolvedValue(new Map([['a', 1]]));
      redisStock.openHolds.mockResolvedValue([{ orderId: 'earlier', at: Date.now(), items: [{ sku: 'a', quantity: 1 }] }]);
      store.readReconcileView.mockResolvedValue({ available: new Map([['a', 1]]), reservationState: new Map() });

      const decisions = await sut.confirmMany(manager, [
        order('o1', { b: 1 }, { kind: 'held' }),
        order('late', { a: 1 }, { kind: 'short', available: new Map([['a', 0]]) }),
      ]);

      expect(decisions[1]).toEqual({ ok: false, path: 'redis', shortages: [{ sku: 'a', requested: 1, available: 0 }], unknown: false });
      expect(store.reserve).not.toHaveBeenCalled();
      expect(store.readReconcileView).toHaveBeenCalledWith(manager, ['earlier'], ['a']);
      expect(store.recordReservations.mock.invocationCallOrder[0]).toBeLessThan(store.readReconcileView.mock.invocationCallOrder[0]);
    });

    it('lets Postgres reserve what Redis under-counts (no in-flight hold explains the short)', async () => {
      const { sut, store, redisStock } = newTestEngine();
      store.readAvailable.mockResolvedValue(new Map([['a', 1]]));
      redisStock.openHolds.mockResolvedValue([]);
      store.readReconcileView.mockResolvedValue({ available: new Map([['a', 1]]), reservationState: new Map() });
      store.reserve.mockResolvedValue({ ok: true, rows: [row('a', 0)] });

      const decisions = await sut.confirmMany(manager, [order('o1', { a: 1 }, { kind: 'short', available: new Map([['a', 0]]) })]);

      expect(decisions).toEqual([{ ok: true, path: 'postgres', rows: [row('a', 0)] }]);
    });

    it('stops using Redis when it has lost its stock view (cold), and lets Postgres decide', async () => {
      const { sut, store, availability } = newTestEngine();
      store.reserve.mockResolvedValue({ ok: true, rows: [row('a', 4)] });

      const decisions = await sut.confirmMany(manager, [order('o1', { a: 1 }, { kind: 'cold' })]);

      expect(availability.lost).toHaveBeenCalled();
      expect(decisions).toEqual([{ ok: true, path: 'postgres', rows: [row('a', 4)] }]);
    });
  });

  describe('after Postgres moved the stock', () => {
    it('settles the Redis hold while Redis is usable', async () => {
      const { sut, redisStock } = newTestEngine();
      redisStock.settle.mockResolvedValue('OK');

      await sut.settle('o1', 'commit');

      expect(redisStock.settle).toHaveBeenCalledWith('o1', 'commit');
    });

    it('leaves Redis to the re-warm while it is unusable', async () => {
      const { sut, availability, redisStock } = newTestEngine();
      availability.isUsable.mockReturnValue(false);

      await sut.settle('o1', 'release');
      await sut.productCreated('a', 5);
      await sut.stockAdjusted('a', 2);

      expect(redisStock.settle).not.toHaveBeenCalled();
      expect(redisStock.loadSku).not.toHaveBeenCalled();
      expect(redisStock.adjust).not.toHaveBeenCalled();
      expect(availability.rewarmIfDue).toHaveBeenCalled();
    });
  });
});
