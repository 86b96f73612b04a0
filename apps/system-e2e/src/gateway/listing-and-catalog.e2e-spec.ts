import { TestSystem } from '../support/system';
import { waitUntil } from '../support/wait';
import { expectProblem } from './http-kit';

interface OrderBody {
  id: string;
  userId: string;
  status: string;
  createdAt: string;
  items: Array<{ sku: string; quantity: number; unitPriceCents: number }>;
}

/**
 * Contract, Orders: GET /orders?status=&limit=&cursor= → { items, nextCursor }, the caller's
 * own orders, newest first, limit 1-100 default 20. Contract, Catalog: GET /products and
 * /products/{sku} → { sku, name, priceCents, currency, available }, available never negative;
 * prices are captured at order time.
 */
describe('gateway listing and catalog', () => {
  let system: TestSystem;
  let keys = 0;

  beforeAll(async () => {
    system = await TestSystem.start({ gateway: { RATE_LIMIT_ORDERS_PER_MINUTE: '100000', ORDER_PAYMENT_TIMEOUT_MS: '600000' } });
    await system.createProduct({ sku: 'LIST-1', priceCents: 1000, initialStock: 100_000 });
    await system.createProduct({ sku: 'CAT-1', priceCents: 1299, initialStock: 10 });
  });

  afterAll(async () => {
    await system?.stop();
  });

  const auth = (userId: string) => `Bearer ${system.token(userId)}`;

  async function placeOrder(
    userId: string,
    body: object = { items: [{ sku: 'LIST-1', quantity: 1 }], paymentMethod: 'pm_card_timeout' },
    prefer?: string,
  ): Promise<OrderBody> {
    keys += 1;
    const test = system.http().post('/orders').set('authorization', auth(userId)).set('idempotency-key', `list-${keys}`);
    if (prefer) test.set('prefer', prefer);
    const response = await test.send(body);
    expect(response.status).toBe(202);
    return response.body;
  }

  async function list(userId: string, query: Record<string, string | number> = {}) {
    const response = await system.http().get('/orders').query(query).set('authorization', auth(userId));
    expect(response.status).toBe(200);
    expect(Object.keys(response.body).sort()).toEqual(['items', 'nextCursor']);
    return response.body as { items: OrderBody[]; nextCursor: string | null };
  }

  async function idsInDatabaseOrder(userId: string, status?: string): Promise<string[]> {
    const { rows } = await system.db.query(
      `SELECT id FROM gateway.orders WHERE user_id = $1 AND ($2::text IS NULL OR status = $2) ORDER BY created_at DESC, id DESC`,
      [userId, status ?? null],
    );
    return rows.map((row: { id: string }) => row.id);
  }

  describe('GET /orders', () => {
    beforeAll(async () => {
      for (let index = 0; index < 7; index += 1) await placeOrder('lister');
      await placeOrder('someone-else');
    });

    it('lists only the caller’s orders, newest first, as full order representations', async () => {
      const page = await list('lister');
      expect(page.nextCursor).toBeNull();
      expect(page.items.map((order) => order.id)).toEqual(await idsInDatabaseOrder('lister'));
      expect(page.items.every((order) => order.userId === 'lister')).toBe(true);
      const createdAt = page.items.map((order) => order.createdAt);
      expect([...createdAt].sort().reverse()).toEqual(createdAt);
      expect(Object.keys(page.items[0]).sort()).toEqual([
        'cancelReason',
        'createdAt',
        'currency',
        'history',
        'id',
        'items',
        'status',
        'totalCents',
        'updatedAt',
        'userId',
      ]);
    });

    it('pages with an opaque cursor that stays stable while new orders are placed', async () => {
      const before = await idsInDatabaseOrder('lister');
      const seen: string[] = [];
      let page = await list('lister', { limit: 3 });
      expect(page.items).toHaveLength(3);
      expect(page.nextCursor).toMatch(/^[A-Za-z0-9_-]+$/);
      seen.push(...page.items.map((order) => order.id));
      let inserted: OrderBody[] = [];
      while (page.nextCursor) {
        // New orders land while the client is paging.
        const [next, added] = await Promise.all([
          list('lister', { limit: 3, cursor: page.nextCursor }),
          Promise.all([placeOrder('lister'), placeOrder('lister')]),
        ]);
        inserted = inserted.concat(added);
        page = next;
        seen.push(...page.items.map((order) => order.id));
      }
      // Every order that existed when paging began, once each, in order; the newer ones are on page one of a fresh listing.
      expect(seen).toEqual(before);
      const fresh = await list('lister', { limit: 100 });
      expect(fresh.items.map((order) => order.id)).toEqual(await idsInDatabaseOrder('lister'));
      expect(
        fresh.items
          .slice(0, inserted.length)
          .map((order) => order.id)
          .sort(),
      ).toEqual(inserted.map((order) => order.id).sort());
    });

    it('defaults to 20 and allows 1 to 100', async () => {
      await Promise.all(Array.from({ length: 21 }, () => placeOrder('many')));
      const all = await idsInDatabaseOrder('many');
      const first = await list('many');
      expect(first.items.map((order) => order.id)).toEqual(all.slice(0, 20));
      expect(first.nextCursor).not.toBeNull();
      const second = await list('many', { cursor: first.nextCursor! });
      expect(second.items.map((order) => order.id)).toEqual(all.slice(20));
      expect(second.nextCursor).toBeNull();
      expect((await list('many', { limit: 1 })).items.map((order) => order.id)).toEqual(all.slice(0, 1));
      expect((await list('many', { limit: 100 })).items).toHaveLength(21);
    });

    it('filters by status, also across pages', async () => {
      const mine = await idsInDatabaseOrder('lister');
      const toCancel = [mine[1], mine[3], mine[5]];
      for (const id of toCancel) expect((await system.http().post(`/orders/${id}/cancel`).set('authorization', auth('lister'))).status).toBe(200);

      const cancelled = await list('lister', { status: 'CANCELLED' });
      expect(cancelled.items.map((order) => order.id)).toEqual(toCancel);
      expect(cancelled.items.every((order) => order.status === 'CANCELLED')).toBe(true);

      const firstPage = await list('lister', { status: 'CANCELLED', limit: 2 });
      const secondPage = await list('lister', { status: 'CANCELLED', limit: 2, cursor: firstPage.nextCursor! });
      expect([...firstPage.items, ...secondPage.items].map((order) => order.id)).toEqual(toCancel);
      expect(secondPage.nextCursor).toBeNull();

      expect((await list('lister', { status: 'CONFIRMED' })).items).toEqual([]);
      const confirmed = await placeOrder('lister', { items: [{ sku: 'LIST-1', quantity: 1 }], paymentMethod: 'pm_card_ok' }, 'wait=20');
      expect(confirmed.status).toBe('CONFIRMED');
      expect((await list('lister', { status: 'CONFIRMED' })).items.map((order) => order.id)).toEqual([confirmed.id]);
      await system.waitUntilQuiet();
    });

    it('never lets a cursor reach another user’s orders', async () => {
      const page = await list('lister', { limit: 1 });
      const foreign = await list('someone-else', { cursor: page.nextCursor! });
      expect(foreign.items.every((order) => order.userId === 'someone-else')).toBe(true);
    });

    it.each([
      ['garbage', 'not-a-cursor'],
      ['base64 of something else', Buffer.from('{"offset":10}').toString('base64url')],
      ['a forged position with SQL', Buffer.from(JSON.stringify(["2026-01-01T00:00:00.000Z' OR '1'='1", 'x'])).toString('base64url')],
      ['a year Postgres refuses', Buffer.from(JSON.stringify(['+275760-09-13T00:00:00.000Z', '00000000-0000-4000-8000-000000000000'])).toString('base64url')],
      [
        'year 0000, which Postgres refuses (was a 500)',
        Buffer.from(JSON.stringify(['0000-01-01T00:00:00.000Z', '00000000-0000-4000-8000-000000000000'])).toString('base64url'),
      ],
      ['a time before any order', Buffer.from(JSON.stringify(['1969-12-31T23:59:59.999Z', '00000000-0000-4000-8000-000000000000'])).toString('base64url')],
      ['a 300-character value', 'A'.repeat(300)],
    ])('answers an invalid cursor (%s) with 400', async (_case, cursor) => {
      const problem = expectProblem(await system.http().get('/orders').query({ cursor }).set('authorization', auth('lister')), 400);
      expect((problem.errors as Array<{ field: string }>).map((error) => error.field)).toContain('cursor');
    });
  });

  describe('GET /products', () => {
    it('lists the catalog without a token', async () => {
      const response = await system.http().get('/products');
      expect(response.status).toBe(200);
      expect(response.body).toEqual(
        expect.arrayContaining([{ sku: 'CAT-1', name: 'Product CAT-1', priceCents: 1299, currency: 'USD', available: expect.any(Number) }]),
      );
      const skus = response.body.map((product: { sku: string }) => product.sku);
      expect(skus).toEqual([...skus].sort());
    });

    it('reads one product, and 404 for an unknown sku', async () => {
      const response = await system.http().get('/products/CAT-1');
      expect(response.status).toBe(200);
      expect(response.body).toEqual({ sku: 'CAT-1', name: 'Product CAT-1', priceCents: 1299, currency: 'USD', available: 10 });
      expectProblem(await system.http().get('/products/NOPE'), 404);
    });

    it('follows stock changes: an order sold, an admin adjustment', async () => {
      const order = await placeOrder('shopper', { items: [{ sku: 'CAT-1', quantity: 4 }], paymentMethod: 'pm_card_ok' }, 'wait=20');
      expect(order.status).toBe('CONFIRMED');
      await waitUntil(async () => (await system.http().get('/products/CAT-1')).body.available === 6, 15_000);

      const adjusted = await system.http().post('/admin/inventory/CAT-1/adjust').set('authorization', `Bearer ${system.adminToken()}`).send({ delta: 5 });
      expect(adjusted.status).toBe(200);
      expect(adjusted.body).toMatchObject({ sku: 'CAT-1', available: 11 });
      expect((await system.http().get('/products/CAT-1')).body.available).toBe(11);
      await system.waitUntilQuiet();
    });

    it('never shows negative availability', async () => {
      // A copy gone wrong (a bug upstream, a hand edit): the API still clamps at zero.
      await system.db.query("UPDATE gateway.catalog_products SET available = -7 WHERE sku = 'CAT-1'");
      expect((await system.http().get('/products/CAT-1')).body.available).toBe(0);
      const listed = (await system.http().get('/products')).body.find((product: { sku: string }) => product.sku === 'CAT-1');
      expect(listed.available).toBe(0);
    });

    it('captures prices at order time: a later price change leaves existing orders alone', async () => {
      const before = await placeOrder('pricer', { items: [{ sku: 'LIST-1', quantity: 2 }], paymentMethod: 'pm_card_timeout' });
      expect(before.items).toEqual([{ sku: 'LIST-1', quantity: 2, unitPriceCents: 1000 }]);
      const patched = await system.http().patch('/admin/products/LIST-1').set('authorization', `Bearer ${system.adminToken()}`).send({ priceCents: 2500 });
      expect(patched.status).toBe(200);
      expect((await system.http().get('/products/LIST-1')).body.priceCents).toBe(2500);

      const reread = await system.http().get(`/orders/${before.id}`).set('authorization', auth('pricer'));
      expect(reread.body).toMatchObject({ items: [{ sku: 'LIST-1', quantity: 2, unitPriceCents: 1000 }], totalCents: 2000 });
      const after = await placeOrder('pricer', { items: [{ sku: 'LIST-1', quantity: 2 }], paymentMethod: 'pm_card_timeout' });
      expect(after).toMatchObject({ items: [{ sku: 'LIST-1', quantity: 2, unitPriceCents: 2500 }], totalCents: 5000 });
    });
  });
});
