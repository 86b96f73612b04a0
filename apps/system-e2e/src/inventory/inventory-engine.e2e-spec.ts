import { StockReconciler } from '@orders/inventory-service';
import type { Redis } from 'ioredis';
import { randomUUID } from 'node:crypto';
import { TestSystem } from '../support/system';
import { engineOf, redisStockOf, waitForRedisServing } from './flash-sale';
import { waitUntil } from '../support/wait';
import { PrivateRedis } from '../support/private-redis';

/**
 * The inventory engine beyond the flash sale: all-or-nothing multi-item orders on both
 * paths, the admin stock API through the gateway (and its effect on Redis), and
 * reconciliation (drift healing, orphan holds, expired reservations). Reconciliation is
 * driven by hand here (its timer is set to an hour) so each step is observable.
 */
describe('inventory engine', () => {
  let redis: PrivateRedis;
  let system: TestSystem;
  let probe: Redis;
  let orderCount = 0;

  beforeAll(async () => {
    redis = await PrivateRedis.start();
    system = await TestSystem.start({
      inventory: {
        REDIS_URL: redis.url,
        REDIS_BREAKER_OPEN_MS: '200',
        RECONCILE_INTERVAL_MS: '3600000',
        ORPHAN_HOLD_GRACE_MS: '300',
        RESERVATION_TTL_MS: '1000',
      },
    });
    probe = redis.client();
    await waitForRedisServing(system);
    await system.createProduct({ sku: 'ENG-SHIRT', priceCents: 1299, initialStock: 10 });
    await system.createProduct({ sku: 'ENG-MUG', priceCents: 800, initialStock: 5 });
    await system.createProduct({ sku: 'ENG-CAP', priceCents: 1500, initialStock: 1 });
  });

  afterEach(async () => {
    await system.waitUntilQuiet();
    await system.assertStockConserved();
  });

  afterAll(async () => {
    probe?.disconnect();
    await system?.stop();
    await redis?.stop();
  });

  const admin = () => `Bearer ${system.adminToken()}`;
  const redisAvailable = async (sku: string) => Number(await probe.hget(`${system.prefix}inv:sku:${sku}`, 'a'));

  function placeOrder(userId: string, body: object, wait = 'wait=20') {
    orderCount += 1;
    return system
      .http()
      .post('/orders')
      .set('authorization', `Bearer ${system.token(userId)}`)
      .set('idempotency-key', `engine-${orderCount}`)
      .set('prefer', wait)
      .send(body);
  }

  async function expectShortMultiItemOrderReservesNothing(userId: string) {
    const skus = ['ENG-SHIRT', 'ENG-MUG', 'ENG-CAP'];
    const before = await Promise.all(skus.map((sku) => system.stock(sku)));

    const response = await placeOrder(userId, {
      items: [
        { sku: 'ENG-SHIRT', quantity: 1 },
        { sku: 'ENG-MUG', quantity: 1 },
        { sku: 'ENG-CAP', quantity: 2 },
      ],
      paymentMethod: 'pm_card_ok',
    });

    expect(response.body).toMatchObject({ status: 'CANCELLED', cancelReason: 'OUT_OF_STOCK' });
    expect(await Promise.all(skus.map((sku) => system.stock(sku)))).toEqual(before);
    const { rows } = await system.db.query('SELECT count(*)::int AS count FROM inventory.reservations WHERE order_id = $1', [response.body.id]);
    expect(rows[0].count).toBe(0);
    await system.recorder.waitFor(() => system.recorder.typesOf(response.body.id).includes('InventoryReservationFailed'));
    const failure = system.recorder.of(response.body.id).find((event) => event.envelope.eventType === 'InventoryReservationFailed');
    expect(failure?.envelope.payload).toEqual({ reason: 'OUT_OF_STOCK', shortages: [{ sku: 'ENG-CAP', requested: 2, available: 1 }] });
    return response.body.id as string;
  }

  it('reserves nothing on the Redis path when one of several items is short', async () => {
    const redisBefore = await Promise.all(['ENG-SHIRT', 'ENG-MUG', 'ENG-CAP'].map(redisAvailable));

    const orderId = await expectShortMultiItemOrderReservesNothing('multi-redis');

    expect(await Promise.all(['ENG-SHIRT', 'ENG-MUG', 'ENG-CAP'].map(redisAvailable))).toEqual(redisBefore);
    expect(await probe.exists(`${system.prefix}inv:hold:${orderId}`)).toBe(0);
  });

  it('reserves all items of a multi-item order on the Redis path, and Redis follows commit', async () => {
    const response = await placeOrder('multi-ok', {
      items: [
        { sku: 'ENG-SHIRT', quantity: 2 },
        { sku: 'ENG-MUG', quantity: 1 },
      ],
      paymentMethod: 'pm_card_ok',
    });

    expect(response.body.status).toBe('CONFIRMED');
    const { rows } = await system.db.query('SELECT sku, quantity, state, path FROM inventory.reservations WHERE order_id = $1 ORDER BY sku', [
      response.body.id,
    ]);
    expect(rows).toEqual([
      { sku: 'ENG-MUG', quantity: 1, state: 'COMMITTED', path: 'redis' },
      { sku: 'ENG-SHIRT', quantity: 2, state: 'COMMITTED', path: 'redis' },
    ]);
    const reserved = system.recorder.of(response.body.id).find((event) => event.envelope.eventType === 'OrderReserved');
    expect(reserved?.envelope.payload).toMatchObject({ path: 'redis' });
    expect(await redisAvailable('ENG-SHIRT')).toBe((await system.stock('ENG-SHIRT')).available);
    expect(await probe.hget(`${system.prefix}inv:hold:${response.body.id}`, 's')).toBe('C');
  });

  it('refuses a late buyer while an earlier order holds the last unit in flight, and lets Postgres serve a real under-count', async () => {
    await system.createProduct({ sku: 'ENG-LAST', priceCents: 500, initialStock: 1 });
    const redisStock = redisStockOf(system);
    // An earlier order holds the last unit in Redis; its transaction has not committed yet,
    // so Postgres still shows the unit (the window at the end of every flash sale).
    const earlier = randomUUID();
    expect(await redisStock.reserve(earlier, [{ sku: 'ENG-LAST', quantity: 1 }], Date.now() + 60_000)).toEqual({ kind: 'held' });

    const late = await placeOrder('late-buyer', { items: [{ sku: 'ENG-LAST', quantity: 1 }], paymentMethod: 'pm_card_ok' });

    expect(late.body).toMatchObject({ status: 'CANCELLED', cancelReason: 'OUT_OF_STOCK' });
    expect(await system.stock('ENG-LAST')).toEqual({ available: 1, reserved: 0, sold: 0, adjusted: 0 });
    await system.recorder.waitFor(() => system.recorder.typesOf(late.body.id).includes('InventoryReservationFailed'));
    const failure = system.recorder.of(late.body.id).find((event) => event.envelope.eventType === 'InventoryReservationFailed');
    expect(failure?.envelope.payload).toEqual({ reason: 'OUT_OF_STOCK', shortages: [{ sku: 'ENG-LAST', requested: 1, available: 0 }] });

    // The earlier order never commits; with its hold gone, Redis under-counts by one unit
    // (as after a lost release): Postgres has the unit and reserves it.
    expect(await redisStock.settle(earlier, 'undo')).toBe('OK');
    await probe.hset(`${system.prefix}inv:sku:ENG-LAST`, 'a', 0);

    const next = await placeOrder('next-buyer', { items: [{ sku: 'ENG-LAST', quantity: 1 }], paymentMethod: 'pm_card_ok' });

    expect(next.body).toMatchObject({ status: 'CONFIRMED' });
    const { rows } = await system.db.query('SELECT state, path FROM inventory.reservations WHERE order_id = $1', [next.body.id]);
    expect(rows).toEqual([{ state: 'COMMITTED', path: 'postgres' }]);
    expect(await system.stock('ENG-LAST')).toEqual({ available: 0, reserved: 0, sold: 1, adjusted: 0 });
    expect(await redisAvailable('ENG-LAST')).toBe(0);
    const metrics = await fetch(`${system.inventoryUrl}/metrics`).then((response) => response.text());
    expect(metrics).toContain('inventory_redis_short_disputes_total{outcome="in_flight"} 1');
    expect(metrics).toContain('inventory_redis_short_disputes_total{outcome="under_count"} 1');
  });

  it('adjusts stock and updates a product through the gateway, as in the contract', async () => {
    const adjusted = await system.http().post('/admin/inventory/ENG-MUG/adjust').set('authorization', admin()).send({ delta: 5 });
    expect(adjusted.status).toBe(200);
    const stock = await system.stock('ENG-MUG');
    expect(adjusted.body).toEqual({ sku: 'ENG-MUG', available: stock.available, reserved: 0, sold: stock.sold });
    expect(stock.adjusted).toBe(5);
    expect(await redisAvailable('ENG-MUG')).toBe(stock.available);
    const view = await system.http().get('/admin/inventory/ENG-MUG').set('authorization', admin());
    expect(view.body).toEqual(adjusted.body);

    const negative = await system
      .http()
      .post('/admin/inventory/ENG-MUG/adjust')
      .set('authorization', admin())
      .send({ delta: -(stock.available + 1) });
    expect(negative.status).toBe(409);
    expect(negative.headers['content-type']).toMatch(/application\/problem\+json/);
    expect(await system.stock('ENG-MUG')).toEqual(stock);
    expect((await system.http().post('/admin/inventory/ENG-MUG/adjust').set('authorization', admin()).send({ delta: 'x' })).status).toBe(400);
    expect((await system.http().post('/admin/inventory/NOPE/adjust').set('authorization', admin()).send({ delta: 1 })).status).toBe(404);
    expect(
      (
        await system
          .http()
          .post('/admin/inventory/ENG-MUG/adjust')
          .set('authorization', `Bearer ${system.token('mallory')}`)
          .send({ delta: 1 })
      ).status,
    ).toBe(403);

    const patched = await system.http().patch('/admin/products/ENG-MUG').set('authorization', admin()).send({ name: 'Mug, large', priceCents: 950 });
    expect(patched.status).toBe(200);
    expect(patched.body).toMatchObject({ sku: 'ENG-MUG', name: 'Mug, large', priceCents: 950, currency: 'USD' });
    expect((await system.http().get('/products/ENG-MUG')).body).toEqual({
      sku: 'ENG-MUG',
      name: 'Mug, large',
      priceCents: 950,
      currency: 'USD',
      available: stock.available,
    });
    expect((await system.http().patch('/admin/products/NOPE').set('authorization', admin()).send({ name: 'x' })).status).toBe(404);
    expect((await system.http().patch('/admin/products/ENG-MUG').set('authorization', admin()).send({ priceCents: -1 })).status).toBe(400);

    // The gateway refreshed its catalog copy at once: the next order captures the new price.
    const order = await placeOrder('price-check', { items: [{ sku: 'ENG-MUG', quantity: 1 }], paymentMethod: 'pm_card_ok' });
    expect(order.body).toMatchObject({ status: 'CONFIRMED', items: [{ sku: 'ENG-MUG', quantity: 1, unitPriceCents: 950 }] });
  });

  it('heals drift between Redis and Postgres, and exposes it as inventory_drift_units', async () => {
    const reconciler = system.inventory.get(StockReconciler);
    const truth = (await system.stock('ENG-SHIRT')).available;
    await probe.hset(`${system.prefix}inv:sku:ENG-SHIRT`, 'a', truth + 7);

    const first = await reconciler.reconcile();
    expect(first).toMatchObject({ drifting: 1, skusHealed: 0 });
    const metrics = await fetch(`${system.inventoryUrl}/metrics`).then((response) => response.text());
    expect(metrics).toContain('inventory_drift_units{sku="ENG-SHIRT"} 7');

    // Healed once the same drift is seen again (a transient between the two reads never heals).
    const second = await reconciler.reconcile();
    expect(second).toMatchObject({ skusHealed: 1 });
    expect(await redisAvailable('ENG-SHIRT')).toBe(truth);
    expect(await reconciler.reconcile()).toMatchObject({ drifting: 0 });
  });

  it('gives back an orphan Redis hold whose Postgres transaction never committed', async () => {
    const reconciler = system.inventory.get(StockReconciler);
    const before = await redisAvailable('ENG-SHIRT');
    // A hold as left by a crash between the Lua reserve and the Postgres commit.
    const orphan = randomUUID();
    expect(await redisStockOf(system).reserve(orphan, [{ sku: 'ENG-SHIRT', quantity: 3 }])).toEqual({ kind: 'held' });
    expect(await redisAvailable('ENG-SHIRT')).toBe(before - 3);

    await new Promise((resolve) => setTimeout(resolve, 400));
    expect(await reconciler.reconcile()).toMatchObject({ holdsCorrected: 1 });

    expect(await redisAvailable('ENG-SHIRT')).toBe(before);
    expect(await probe.exists(`${system.prefix}inv:hold:${orphan}`)).toBe(0);
    // Repeating the settle of a hold that no longer exists changes nothing.
    expect(await redisStockOf(system).settle(orphan, 'release')).toBe('NONE');
    expect(await redisAvailable('ENG-SHIRT')).toBe(before);
  });

  it('releases a reservation left open past its time to live', async () => {
    const reconciler = system.inventory.get(StockReconciler);
    const before = await system.stock('ENG-SHIRT');
    const response = await placeOrder('stuck-payment', { items: [{ sku: 'ENG-SHIRT', quantity: 1 }], paymentMethod: 'pm_card_timeout' }, 'wait=0');
    const orderId = response.body.id as string;
    await waitUntil(
      async () => (await system.db.query(`SELECT 1 FROM inventory.reservations WHERE order_id = $1 AND state = 'RESERVED'`, [orderId])).rowCount === 1,
    );
    expect(await system.stock('ENG-SHIRT')).toMatchObject({ available: before.available - 1, reserved: 1 });

    await new Promise((resolve) => setTimeout(resolve, 1_100));
    expect(await reconciler.reconcile()).toMatchObject({ expired: 1 });

    expect(await system.stock('ENG-SHIRT')).toEqual(before);
    expect(await redisAvailable('ENG-SHIRT')).toBe(before.available);
    expect(await probe.hget(`${system.prefix}inv:hold:${orderId}`, 's')).toBe('R');
    await system.recorder.waitFor(() => system.recorder.typesOf(orderId).includes('StockReleased'));
    // The order's own cancellation later finds nothing left to release.
    await system
      .http()
      .post(`/orders/${orderId}/cancel`)
      .set('authorization', `Bearer ${system.token('stuck-payment')}`)
      .expect(200);
    await system.recorder.waitFor(() => system.recorder.typesOf(orderId).includes('OrderCancelled'));
    await system.waitUntilQuiet();
    expect(await system.stock('ENG-SHIRT')).toEqual(before);
  });

  it('reserves nothing on the Postgres fallback when one of several items is short, and serves from Redis again after a re-warm', async () => {
    await redis.stop();

    const orderId = await expectShortMultiItemOrderReservesNothing('multi-postgres');
    expect(engineOf(system).redisServing).toBe(false);

    const ok = await placeOrder('fallback-ok', {
      items: [
        { sku: 'ENG-SHIRT', quantity: 1 },
        { sku: 'ENG-CAP', quantity: 1 },
      ],
      paymentMethod: 'pm_card_ok',
    });
    expect(ok.body.status).toBe('CONFIRMED');
    const { rows } = await system.db.query('SELECT DISTINCT path FROM inventory.reservations WHERE order_id = $1', [ok.body.id]);
    expect(rows).toEqual([{ path: 'postgres' }]);

    await redis.start();
    await waitForRedisServing(system);
    for (const sku of ['ENG-SHIRT', 'ENG-MUG', 'ENG-CAP']) expect(await redisAvailable(sku)).toBe((await system.stock(sku)).available);
    expect(orderId).toBeDefined();
  });
});
