import { IdentityProvider } from '../support/identity-provider';
import { TestSystem } from '../support/system';
import { expectProblem, hostileTokens, MALFORMED_AUTHORIZATION } from './http-kit';

/**
 * Contract, Authentication: HS256 bearer JWT with sub, roles and exp; anything else is a 401,
 * a non-admin on /admin/* a 403; catalog reads, health, metrics and docs need no token.
 * Contract, Orders: users read, list and cancel only their own orders; others get 404.
 */
describe('gateway authentication and isolation', () => {
  let system: TestSystem;
  let idp: IdentityProvider;
  let keys = 0;

  beforeAll(async () => {
    idp = await IdentityProvider.start();
    await idp.publish('key-1');
    // Every service trusts the provider: the gateway forwards admin tokens to inventory.
    system = await TestSystem.start({ env: idp.env(), gateway: { RATE_LIMIT_ORDERS_PER_MINUTE: '100000', ORDER_PAYMENT_TIMEOUT_MS: '600000' } });
    await system.createProduct({ sku: 'AUTH-1', priceCents: 500, initialStock: 1000 });
  });

  afterAll(async () => {
    await system?.stop();
    await idp?.stop();
  });

  const bearer = (userId: string, roles: string[] = []) => `Bearer ${system.token(userId, roles)}`;

  async function placeOrder(userId: string) {
    keys += 1;
    const response = await system
      .http()
      .post('/orders')
      .set('authorization', bearer(userId))
      .set('idempotency-key', `auth-${keys}`)
      .send({ items: [{ sku: 'AUTH-1', quantity: 1 }], paymentMethod: 'pm_card_timeout' });
    expect(response.status).toBe(202);
    return response.body as { id: string; userId: string };
  }

  // Three elements each: Jest's it.each would pass `done` in place of a missing one.
  const protectedRoutes: Array<[string, string, object | undefined]> = [
    ['get', '/orders', undefined],
    ['post', '/orders', { items: [{ sku: 'AUTH-1', quantity: 1 }] }],
    ['get', '/orders/00000000-0000-4000-8000-000000000000', undefined],
    ['post', '/orders/00000000-0000-4000-8000-000000000000/cancel', undefined],
    ['post', '/admin/products', { sku: 'X', name: 'x', priceCents: 1, initialStock: 1 }],
    ['patch', '/admin/products/AUTH-1', { name: 'x' }],
    ['post', '/admin/inventory/AUTH-1/adjust', { delta: 1 }],
    ['get', '/admin/inventory/AUTH-1', undefined],
  ];

  function call(method: string, path: string, body?: object) {
    const test = (system.http() as unknown as Record<string, (path: string) => import('supertest').Test>)[method](path);
    if (body) test.set('idempotency-key', 'auth-probe').send(body);
    return test;
  }

  describe('401 for a missing, malformed, forged or expired token', () => {
    it.each(protectedRoutes)('%s %s without a token', async (method, path, body) => {
      const response = await call(method, path, body);
      expectProblem(response, 401);
      expect(response.headers['www-authenticate']).toBe('Bearer');
    });

    it.each(MALFORMED_AUTHORIZATION)('Authorization: %s', async (_case, authorization) => {
      for (const [method, path, body] of protectedRoutes) expectProblem(await call(method, path, body).set('authorization', authorization), 401);
    });

    it.each(hostileTokens())('a token with %s', async (_case, token) => {
      for (const [method, path, body] of protectedRoutes) expectProblem(await call(method, path, body).set('authorization', `Bearer ${token}`), 401);
    });

    it('accepts the scheme name in any case (RFC 6750)', async () => {
      const response = await system
        .http()
        .get('/orders')
        .set('authorization', `bearer ${system.token('alice')}`);
      expect(response.status).toBe(200);
    });

    it('checks the token before the role: an expired admin token is a 401, not a 403', async () => {
      expectProblem(
        await system
          .http()
          .get('/admin/inventory/AUTH-1')
          .set('authorization', `Bearer ${system.token('root', ['admin'], -60)}`),
        401,
      );
    });

    it('creates nothing for a rejected request', async () => {
      const { rows } = await system.db.query("SELECT count(*)::int AS n FROM gateway.orders WHERE user_id IN ('mallory', 'victim')");
      expect(rows[0].n).toBe(0);
    });
  });

  describe('RS256 tokens of an identity provider (JWKS), beside HS256 development tokens', () => {
    it('places and reads an order with a provider token, and follows a key rotation without a restart', async () => {
      const placed = await system
        .http()
        .post('/orders')
        .set('authorization', `Bearer ${await idp.token('key-1', 'idp-carol')}`)
        .set('idempotency-key', 'idp-1')
        .send({ items: [{ sku: 'AUTH-1', quantity: 1 }], paymentMethod: 'pm_card_timeout' });
      expect(placed.status).toBe(202);
      expect(placed.body.userId).toBe('idp-carol');

      await idp.publish('key-2'); // rotation: key-1 retired, key-2 signs
      const read = await system
        .http()
        .get(`/orders/${placed.body.id}`)
        .set('authorization', `Bearer ${await idp.token('key-2', 'idp-carol')}`);
      expect(read.status).toBe(200);
      expect(read.body.id).toBe(placed.body.id);
    });

    it('refuses a token signed by a key the provider does not publish', async () => {
      const response = await system
        .http()
        .get('/orders')
        .set('authorization', `Bearer ${await idp.token('unpublished-key', 'idp-carol')}`);
      expectProblem(response, 401);
    });

    it('takes the provider roles claim for /admin/*', async () => {
      const response = await system
        .http()
        .get('/admin/inventory/AUTH-1')
        .set('authorization', `Bearer ${await idp.token('key-2', 'idp-root', ['admin'])}`);
      expect(response.status).toBe(200);
    });
  });

  describe('403 for a non-admin on /admin/*', () => {
    it.each(protectedRoutes.filter(([, path]) => path.startsWith('/admin')))('%s %s with a user token', async (method, path, body) => {
      expectProblem(await call(method, path, body).set('authorization', bearer('alice', ['user', 'Admin', 'admins'])), 403);
    });

    it('leaves the catalog untouched after refused admin calls', async () => {
      const { rows } = await system.db.query("SELECT name FROM inventory.products WHERE sku = 'AUTH-1'");
      expect(rows).toEqual([{ name: 'Product AUTH-1' }]);
      expect(await system.stock('AUTH-1')).toMatchObject({ adjusted: 0 });
    });

    it('lets an admin through', async () => {
      const response = await system
        .http()
        .get('/admin/inventory/AUTH-1')
        .set('authorization', bearer('root', ['admin']));
      expect(response.status).toBe(200);
      expect(response.body).toEqual({ sku: 'AUTH-1', available: expect.any(Number), reserved: expect.any(Number), sold: expect.any(Number) });
    });
  });

  describe('public routes', () => {
    it.each(['/products', '/products/AUTH-1', '/health', '/metrics', '/docs', '/docs-json'])('GET %s needs no token', async (path) => {
      const response = await system.http().get(path);
      expect(response.status).toBe(200);
    });

    it('ignores a forged token on a public route instead of trusting it', async () => {
      const [, forged] = hostileTokens().find(([name]) => name === 'alg none')!;
      const response = await system.http().get('/products/AUTH-1').set('authorization', `Bearer ${forged}`);
      expect(response.status).toBe(200);
    });
  });

  describe('isolation: someone else’s order is a 404', () => {
    let aliceOrder: { id: string };

    beforeAll(async () => {
      aliceOrder = await placeOrder('alice');
    });

    it('lets the owner read it', async () => {
      const response = await system.http().get(`/orders/${aliceOrder.id}`).set('authorization', bearer('alice'));
      expect(response.status).toBe(200);
      expect(response.body).toMatchObject({ id: aliceOrder.id, userId: 'alice' });
    });

    it('answers another user exactly as for an order that does not exist', async () => {
      const foreign = expectProblem(await system.http().get(`/orders/${aliceOrder.id}`).set('authorization', bearer('bob')), 404);
      const unknown = expectProblem(await system.http().get('/orders/00000000-0000-4000-8000-000000000000').set('authorization', bearer('bob')), 404);
      expect({ ...foreign, instance: undefined }).toEqual({ ...unknown, instance: undefined });
    });

    it('leaves it out of another user’s list', async () => {
      await placeOrder('bob');
      const response = await system.http().get('/orders').set('authorization', bearer('bob'));
      expect(response.status).toBe(200);
      expect(response.body.items.length).toBeGreaterThan(0);
      expect(response.body.items.every((order: { userId: string }) => order.userId === 'bob')).toBe(true);
      expect(response.body.items.map((order: { id: string }) => order.id)).not.toContain(aliceOrder.id);
    });

    it('refuses another user’s cancel with 404 and changes nothing', async () => {
      const before = await system.db.query('SELECT status, history FROM gateway.orders WHERE id = $1', [aliceOrder.id]);
      expectProblem(await system.http().post(`/orders/${aliceOrder.id}/cancel`).set('authorization', bearer('bob')), 404);
      const after = await system.db.query('SELECT status, history FROM gateway.orders WHERE id = $1', [aliceOrder.id]);
      expect(after.rows[0].status).not.toBe('CANCELLED');
      expect(after.rows[0].history.length).toBeGreaterThanOrEqual(before.rows[0].history.length);
    });

    it('lets an admin read any order, but only the owner cancel it', async () => {
      const read = await system
        .http()
        .get(`/orders/${aliceOrder.id}`)
        .set('authorization', bearer('root', ['admin']));
      expect(read.status).toBe(200);
      expectProblem(
        await system
          .http()
          .post(`/orders/${aliceOrder.id}/cancel`)
          .set('authorization', bearer('root', ['admin'])),
        404,
      );
    });

    it('does not list an admin’s view of other users’ orders', async () => {
      const response = await system
        .http()
        .get('/orders')
        .set('authorization', bearer('root', ['admin']));
      expect(response.status).toBe(200);
      expect(response.body.items).toEqual([]);
    });
  });

  describe('SQL-looking ids are plain unknown ids', () => {
    const injections = [
      "1' OR '1'='1",
      '1; DROP TABLE gateway.orders; --',
      "' UNION SELECT * FROM gateway.idempotency_keys --",
      '%00',
      '..%2F..%2Fetc%2Fpasswd',
    ];

    it.each(injections)('GET and cancel /orders/%s → 404', async (id) => {
      const encoded = encodeURIComponent(id);
      expectProblem(await system.http().get(`/orders/${encoded}`).set('authorization', bearer('alice')), 404);
      expectProblem(await system.http().post(`/orders/${encoded}/cancel`).set('authorization', bearer('alice')), 404);
      expectProblem(await system.http().get(`/products/${encoded}`), 404);
      expectProblem(
        await system
          .http()
          .get(`/admin/inventory/${encoded}`)
          .set('authorization', bearer('root', ['admin'])),
        404,
      );
    });

    it.each(injections)('GET /orders?status=%s → 400', async (value) => {
      const response = await system.http().get('/orders').query({ status: value }).set('authorization', bearer('alice'));
      expectProblem(response, 400);
    });

    it('leaves every table in place', async () => {
      const { rows } = await system.db.query(
        "SELECT count(*)::int AS n FROM information_schema.tables WHERE table_schema = 'gateway' AND table_name IN ('orders', 'order_items', 'idempotency_keys')",
      );
      expect(rows[0].n).toBe(3);
      const orders = await system.db.query("SELECT count(*)::int AS n FROM gateway.orders WHERE user_id = 'alice'");
      expect(orders.rows[0].n).toBe(1);
    });
  });
});
