import { TestSystem } from '../support/system';
import { expectProblem, fieldsOf, rawRequest } from './http-kit';

/**
 * Contract, Errors: every 4xx/5xx is application/problem+json with type, title, status,
 * detail, instance (and per-field errors on validation failures); no internals; unknown
 * routes 404; bodies over 64 KiB 413; non-JSON 400 or 415. Contract, Orders: 1-50 items,
 * quantity an integer 1-1000, a sku at most once; validation failure 400 with errors.
 */
describe('gateway errors and validation', () => {
  let system: TestSystem;
  let keys = 0;
  const token = () => `Bearer ${system.token('hostile-user')}`;

  beforeAll(async () => {
    system = await TestSystem.start({ gateway: { RATE_LIMIT_ORDERS_PER_MINUTE: '100000', ORDER_PAYMENT_TIMEOUT_MS: '600000' } });
    await system.createProduct({ sku: 'ERR-1', priceCents: 100, initialStock: 10_000 });
  });

  afterAll(async () => {
    await system?.stop();
  });

  const postOrder = () => {
    keys += 1;
    return system.http().post('/orders').set('authorization', token()).set('idempotency-key', `err-${keys}`);
  };

  const item = (sku: string, quantity: unknown = 1) => ({ sku, quantity });
  const validItems = (count: number) => Array.from({ length: count }, (_, index) => item(index === 0 ? 'ERR-1' : `ERR-X${index}`));

  describe('400 with per-field errors for invalid order bodies', () => {
    // [case, body, a field the errors must name]
    const cases: Array<[string, unknown, string]> = [
      ['a quantity as a string', { items: [item('ERR-1', '2')] }, 'items[0].quantity'],
      ['a float quantity', { items: [item('ERR-1', 1.5)] }, 'items[0].quantity'],
      ['a quantity of 2^60', { items: [item('ERR-1', 2 ** 60)] }, 'items[0].quantity'],
      ['a quantity beyond 2^53', { items: [item('ERR-1', Number.MAX_SAFE_INTEGER + 2)] }, 'items[0].quantity'],
      ['a quantity of 0', { items: [item('ERR-1', 0)] }, 'items[0].quantity'],
      ['a negative quantity', { items: [item('ERR-1', -1)] }, 'items[0].quantity'],
      ['a quantity of 1001', { items: [item('ERR-1', 1001)] }, 'items[0].quantity'],
      ['a boolean quantity', { items: [item('ERR-1', true)] }, 'items[0].quantity'],
      ['a null quantity', { items: [item('ERR-1', null)] }, 'items[0].quantity'],
      ['an array quantity', { items: [item('ERR-1', [1])] }, 'items[0].quantity'],
      ['a missing quantity', { items: [{ sku: 'ERR-1' }] }, 'items[0].quantity'],
      ['51 items', { items: validItems(51) }, 'items'],
      ['no items', { items: [] }, 'items'],
      ['a duplicate sku', { items: [item('ERR-1', 1), item('ERR-1', 2)] }, 'items'],
      ['items as an object', { items: item('ERR-1') }, 'items'],
      ['items as a string', { items: 'ERR-1' }, 'items'],
      ['a missing items field', {}, 'items'],
      ['a null item', { items: [null] }, 'items[0]'],
      ['a number as an item', { items: [42] }, 'items[0]'],
      ['a sku with spaces', { items: [item('ERR 1')] }, 'items[0].sku'],
      ['a 65-character sku', { items: [item('S'.repeat(65))] }, 'items[0].sku'],
      ['an empty sku', { items: [item('')] }, 'items[0].sku'],
      ['a sku as a number', { items: [item(7 as unknown as string)] }, 'items[0].sku'],
      ['SQL in the sku', { items: [item("ERR-1' OR '1'='1")] }, 'items[0].sku'],
      ['an extra top-level field', { items: [item('ERR-1')], userId: 'someone-else' }, 'userId'],
      ['a price smuggled into an item', { items: [{ sku: 'ERR-1', quantity: 1, unitPriceCents: 0 }] }, 'items[0].unitPriceCents'],
      ['paymentMethod as a number', { items: [item('ERR-1')], paymentMethod: 4242 }, 'paymentMethod'],
      ['an empty paymentMethod', { items: [item('ERR-1')], paymentMethod: '' }, 'paymentMethod'],
      ['a 256-character paymentMethod', { items: [item('ERR-1')], paymentMethod: 'p'.repeat(256) }, 'paymentMethod'],
    ];

    it.each(cases)('%s', async (_case, body, field) => {
      const problem = expectProblem(await postOrder().send(body as object), 400);
      expect(problem.type).toMatch(/validation-failed$/);
      expect(fieldsOf(problem)).toContain(field);
      for (const error of problem.errors as Array<{ field: string; message: string }>)
        expect(error).toEqual({ field: expect.any(String), message: expect.any(String) });
    });

    it.each([
      ['a quantity of 1e309 (Infinity once parsed)', '{"items":[{"sku":"ERR-1","quantity":1e309}]}', 'items[0].quantity'],
      ['a quantity of -1e309', '{"items":[{"sku":"ERR-1","quantity":-1e309}]}', 'items[0].quantity'],
      ['a 400-digit quantity', `{"items":[{"sku":"ERR-1","quantity":${'9'.repeat(400)}}]}`, 'items[0].quantity'],
      ['a quantity of 1.0000000000000001 (parses as 1 but was sent as a float)', '{"items":[{"sku":"ERR-1","quantity":1e-400}]}', 'items[0].quantity'],
      ['a JSON array as the body', '[{"sku":"ERR-1","quantity":1}]', 'items'],
      ['a JSON string as the body', '"ERR-1"', 'items'],
      ['JSON null as the body', 'null', 'items'],
      ['a JSON number as the body', '42', 'items'],
    ])('%s', async (_case, text, field) => {
      const problem = expectProblem(await postOrder().set('content-type', 'application/json').send(text), 400);
      expect(fieldsOf(problem)).toContain(field);
    });

    it.each([
      ['30 000 nested arrays as items', `{"items":${'['.repeat(30_000)}1${']'.repeat(30_000)}}`, 'items'],
      ['10 000 nested objects in an extra field', `{"items":[{"sku":"ERR-1","quantity":1}],"x":${'{"a":'.repeat(10_000)}1${'}'.repeat(10_000)}}`, 'x'],
      ['a deeply nested sku', `{"items":[{"sku":${'['.repeat(20_000)}"ERR-1"${']'.repeat(20_000)},"quantity":1}]}`, 'items[0].sku'],
      ['a NUL character in paymentMethod', '{"items":[{"sku":"ERR-1","quantity":1}],"paymentMethod":"pm\\u0000ok"}', 'paymentMethod'],
      ['a NUL character in a sku', '{"items":[{"sku":"ERR-1\\u0000","quantity":1}]}', 'items[0].sku'],
    ])('refuses %s with 400 (the validators would overflow or Postgres refuse it)', async (_case, text, field) => {
      const problem = expectProblem(await postOrder().set('content-type', 'application/json').send(text), 400);
      expect(fieldsOf(problem).some((name) => name.startsWith(field))).toBe(true);
    });

    it('accepts the boundaries: 50 distinct items, quantity 1 and 1000 (then 422 for the unknown skus)', async () => {
      const atLimit = await postOrder().send({ items: validItems(50) });
      const problem = expectProblem(atLimit, 422);
      expect(problem.type).toMatch(/unknown-sku$/);
      const ok = await postOrder().send({ items: [item('ERR-1', 1000)] });
      expect(ok.status).toBe(202);
    });
  });

  describe('400 and 415 for bodies that are not JSON, 413 for big ones', () => {
    it('answers malformed JSON with 400', async () => {
      for (const text of ['{"items": [', '{items: []}', "{'items': []}", '{"items": [] } trailing', '\u0000']) {
        const problem = expectProblem(await postOrder().set('content-type', 'application/json').send(text), 400);
        expect(problem.errors).toBeUndefined();
      }
    });

    it('answers an empty JSON body with 400', async () => {
      expectProblem(await postOrder().set('content-type', 'application/json').send(''), 400);
    });

    it('refuses prototype pollution attempts with 400', async () => {
      expectProblem(
        await postOrder().set('content-type', 'application/json').send('{"__proto__":{"isAdmin":true},"items":[{"sku":"ERR-1","quantity":1}]}'),
        400,
      );
      expectProblem(
        await postOrder().set('content-type', 'application/json').send('{"constructor":{"prototype":{"isAdmin":true}},"items":[{"sku":"ERR-1","quantity":1}]}'),
        400,
      );
    });

    it.each([
      ['text/plain', 'items=ERR-1'],
      ['application/xml', '<order><sku>ERR-1</sku></order>'],
      ['multipart/form-data; boundary=x', '--x\r\nContent-Disposition: form-data; name="items"\r\n\r\nERR-1\r\n--x--'],
    ])('answers %s with 415', async (contentType, text) => {
      expectProblem(await postOrder().set('content-type', contentType).send(text), 415);
    });

    it('answers a form body with 415, on order and admin routes (it used to be parsed and fail validation: 400)', async () => {
      const form = 'items[0][sku]=ERR-1&items[0][quantity]=1';
      expectProblem(await postOrder().set('content-type', 'application/x-www-form-urlencoded').send(form), 415);
      const admin = await system
        .http()
        .post('/admin/products')
        .set('authorization', `Bearer ${system.adminToken()}`)
        .set('content-type', 'application/x-www-form-urlencoded')
        .send('sku=FORM-1&name=x&priceCents=1&initialStock=1');
      expectProblem(admin, 415);
    });

    it('names the rule each field broke in its message', async () => {
      const problem = expectProblem(await postOrder().send({ items: [item('ERR-1', 1001)] }), 400);
      expect(problem.errors).toEqual([{ field: 'items[0].quantity', message: 'quantity must not be greater than 1000 (max)' }]);
    });

    it('answers a body without a content type with 415', async () => {
      const response = await rawRequest(
        system.gatewayUrl,
        `POST /orders HTTP/1.1\r\nHost: gateway\r\nAuthorization: ${token()}\r\nIdempotency-Key: err-no-type`,
        JSON.stringify({ items: [item('ERR-1')] }),
      );
      expectProblem(response, 415);
    });

    it('answers a 70 KB body with 413, on orders and on admin routes', async () => {
      const padding = 'x'.repeat(70 * 1024);
      expectProblem(await postOrder().send({ items: [item('ERR-1')], paymentMethod: padding }), 413);
      expectProblem(await postOrder().send({ items: Array.from({ length: 3000 }, (_, index) => item(`SKU-${index}`)) }), 413);
      const admin = await system
        .http()
        .post('/admin/products')
        .set('authorization', `Bearer ${system.adminToken()}`)
        .send({ sku: 'BIG', name: padding, priceCents: 1, initialStock: 1 });
      expectProblem(admin, 413);
    });

    it('answers a request line or headers the HTTP parser refuses with a problem, not a dropped connection', async () => {
      expectProblem(await rawRequest(system.gatewayUrl, 'GET /orders HTTP/1.1\r\nHost: gateway\r\nX-Broken: a\u0001b'), 400);
      expectProblem(await rawRequest(system.gatewayUrl, 'GET /orders HTTP/1.1\r\nHost: gateway\r\nX-Huge: ' + 'h'.repeat(20_000)), 431);
    });
  });

  describe('the router’s own refusals are problems too', () => {
    it('answers a broken percent-escape with 400', async () => {
      expectProblem(await system.http().get('/products/%E0%A4%A'), 400);
      expectProblem(await system.http().get('/orders/%ZZ').set('authorization', token()), 400);
    });

    it('answers an over-long path parameter with 414', async () => {
      expectProblem(
        await system
          .http()
          .get(`/orders/${'a'.repeat(8_000)}`)
          .set('authorization', token()),
        414,
      );
    });
  });

  describe('404, 409, 422 as problems', () => {
    it.each([
      ['get', '/nope'],
      ['post', '/nope'],
      ['get', '/orders/00000000-0000-4000-8000-000000000000/items'],
      ['delete', '/orders'],
      ['put', '/products/ERR-1'],
      ['get', '/admin'],
    ])('answers an unknown route (%s %s) with 404', async (method, path) => {
      const test = (system.http() as unknown as Record<string, (path: string) => import('supertest').Test>)[method](path);
      expectProblem(await test.set('authorization', token()), 404);
    });

    it('answers an unknown order and an unknown product with 404', async () => {
      expectProblem(await system.http().get('/orders/5b0c8f36-0a0b-4d6e-9f4a-1c2d3e4f5a6b').set('authorization', token()), 404);
      expectProblem(await system.http().get('/products/NO-SUCH-SKU'), 404);
    });

    it('answers an unknown sku with 422 naming it, and keeps no order', async () => {
      const response = await postOrder().send({ items: [item('ERR-1'), item('NO-SUCH-SKU')] });
      const problem = expectProblem(response, 422);
      expect(problem.detail).toContain('NO-SUCH-SKU');
      const { rows } = await system.db.query("SELECT count(*)::int AS n FROM gateway.order_items WHERE sku = 'NO-SUCH-SKU'");
      expect(rows[0].n).toBe(0);
    });

    it.each(['pm_card_unknown', 'PM_CARD_OK', 'card_4242424242424242'])(
      'answers an unknown payment method (%s) with 422 listing the accepted ones, and keeps no order',
      async (paymentMethod) => {
        const before = await system.db.query('SELECT count(*)::int AS n FROM gateway.orders');
        const problem = expectProblem(await postOrder().send({ items: [item('ERR-1')], paymentMethod }), 422);
        expect(problem.type).toMatch(/unsupported-payment-method$/);
        for (const accepted of ['pm_card_ok', 'pm_card_declined', 'pm_card_timeout']) expect(problem.detail).toContain(accepted);
        expect(fieldsOf(problem)).toEqual(['paymentMethod']);
        const after = await system.db.query('SELECT count(*)::int AS n FROM gateway.orders');
        expect(after.rows[0].n).toBe(before.rows[0].n);
      },
    );

    it('answers cancelling a cancelled order with 409', async () => {
      const order = await postOrder().send({ items: [item('ERR-1')], paymentMethod: 'pm_card_timeout' });
      expect(order.status).toBe(202);
      const first = await system.http().post(`/orders/${order.body.id}/cancel`).set('authorization', token());
      expect(first.status).toBe(200);
      expect(first.body).toMatchObject({ id: order.body.id, status: 'CANCELLED', cancelReason: 'USER_CANCELLED' });
      const again = await system.http().post(`/orders/${order.body.id}/cancel`).set('authorization', token());
      const problem = expectProblem(again, 409);
      expect(problem.type).toMatch(/order-not-cancellable$/);
      await system.waitUntilQuiet();
    });
  });

  describe('admin routes: inventory-service validates, the gateway relays its problems, never a 5xx', () => {
    const admin = () => `Bearer ${system.adminToken()}`;

    it.each([
      ['priceCents as a string', { sku: 'ADM-1', name: 'x', priceCents: '100', initialStock: 1 }, 'priceCents'],
      ['a float price', { sku: 'ADM-1', name: 'x', priceCents: 1.5, initialStock: 1 }, 'priceCents'],
      ['a price of 2^60', { sku: 'ADM-1', name: 'x', priceCents: 2 ** 60, initialStock: 1 }, 'priceCents'],
      ['a negative stock', { sku: 'ADM-1', name: 'x', priceCents: 1, initialStock: -1 }, 'initialStock'],
      ['a bad sku', { sku: "ADM-1' OR '1'='1", name: 'x', priceCents: 1, initialStock: 1 }, 'sku'],
      ['an extra field', { sku: 'ADM-1', name: 'x', priceCents: 1, initialStock: 1, currency: 'EUR' }, 'currency'],
      ['a missing name', { sku: 'ADM-1', priceCents: 1, initialStock: 1 }, 'name'],
    ])('POST /admin/products with %s → 400', async (_case, body, field) => {
      const problem = expectProblem(await system.http().post('/admin/products').set('authorization', admin()).send(body), 400);
      expect(fieldsOf(problem)).toContain(field);
    });

    it('answers hostile JSON on admin routes with 400 and creates nothing', async () => {
      for (const text of ['{"sku":"ADM-1","name":"x","priceCents":1e309,"initialStock":1}', '[]', 'null', '{"sku":']) {
        const response = await system.http().post('/admin/products').set('authorization', admin()).set('content-type', 'application/json').send(text);
        expectProblem(response, 400);
      }
      const { rows } = await system.db.query("SELECT count(*)::int AS n FROM inventory.products WHERE sku LIKE 'ADM-%'");
      expect(rows[0].n).toBe(0);
    });

    it.each([
      ['a string delta', { delta: '5' }],
      ['a float delta', { delta: 0.5 }],
      ['a zero delta', { delta: 0 }],
      ['a huge delta', { delta: 2 ** 60 }],
      ['no delta', {}],
    ])('POST /admin/inventory/{sku}/adjust with %s → 400', async (_case, body) => {
      const problem = expectProblem(await system.http().post('/admin/inventory/ERR-1/adjust').set('authorization', admin()).send(body), 400);
      expect(fieldsOf(problem)).toContain('delta');
    });

    it.each([
      ['an empty name', ''],
      ['a blank name', '   '],
      ['a name with a newline', 'Shirt\nFREE'],
      ['a name with a tab', 'Shirt\tM'],
      ['a name with an escape sequence', 'Shirt \u001b[31mred'],
      ['a name with DEL', 'Shirt\u007f'],
      ['a name with a C1 control', 'Shirt\u0085'],
    ])('refuses %s at creation and rename with 400 naming name', async (_case, name) => {
      const created = await system.http().post('/admin/products').set('authorization', admin()).send({ sku: 'NAME-1', name, priceCents: 1, initialStock: 1 });
      expect(fieldsOf(expectProblem(created, 400))).toContain('name');
      const renamed = await system.http().patch('/admin/products/ERR-1').set('authorization', admin()).send({ name });
      expect(fieldsOf(expectProblem(renamed, 400))).toContain('name');
    });

    it('refuses deep nesting and NUL characters in admin bodies with 400', async () => {
      const deep = `{"sku":"ADM-2","name":${'['.repeat(30_000)}"x"${']'.repeat(30_000)},"priceCents":1,"initialStock":1}`;
      expectProblem(await system.http().post('/admin/products').set('authorization', admin()).set('content-type', 'application/json').send(deep), 400);
      const nul = await system
        .http()
        .post('/admin/products')
        .set('authorization', admin())
        .send({ sku: 'ADM-2', name: 'a\u0000b', priceCents: 1, initialStock: 1 });
      expect(fieldsOf(expectProblem(nul, 400))).toContain('name');
      expectProblem(await system.http().patch('/admin/products/ERR-1').set('authorization', admin()).send({ name: 'a\u0000b' }), 400);
    });

    it('answers path values that cannot be a sku with 404, on public and admin routes', async () => {
      for (const sku of ['ERR%001', 'ERR-1%00', '%E2%80%AE', "x'%20OR%20'1'%3D'1", 'S'.repeat(65)]) {
        expectProblem(await system.http().get(`/products/${sku}`), 404);
        expectProblem(await system.http().get(`/admin/inventory/${sku}`).set('authorization', admin()), 404);
        expectProblem(await system.http().patch(`/admin/products/${sku}`).set('authorization', admin()).send({ name: 'x' }), 404);
        expectProblem(await system.http().post(`/admin/inventory/${sku}/adjust`).set('authorization', admin()).send({ delta: 1 }), 404);
      }
    });

    it('answers conflicts and unknown skus with 409 and 404', async () => {
      expectProblem(
        await system.http().post('/admin/products').set('authorization', admin()).send({ sku: 'ERR-1', name: 'again', priceCents: 1, initialStock: 1 }),
        409,
      );
      expectProblem(await system.http().post('/admin/inventory/ERR-1/adjust').set('authorization', admin()).send({ delta: -1_000_000 }), 409);
      expectProblem(await system.http().post('/admin/inventory/NO-SUCH/adjust').set('authorization', admin()).send({ delta: 1 }), 404);
      expectProblem(await system.http().patch('/admin/products/NO-SUCH').set('authorization', admin()).send({ name: 'x' }), 404);
      expectProblem(await system.http().patch('/admin/products/ERR-1').set('authorization', admin()).send({ priceCents: -5 }), 400);
      expectProblem(await system.http().patch('/admin/products/ERR-1').set('authorization', admin()).set('content-type', 'text/plain').send('name=x'), 415);
    });
  });

  describe('400 for invalid listing queries', () => {
    it.each([
      'limit=0',
      'limit=101',
      'limit=-1',
      'limit=1.5',
      'limit=abc',
      'limit=1e1',
      'limit=0x10',
      'limit=',
      'limit=%2010',
      'limit=1&limit=2',
      'status=PENDING',
      'status=created',
      'status=CREATED&status=PAID',
      'cursor=not-a-cursor',
      'unknown=1',
      'limit[$gt]=1',
    ])('GET /orders?%s', async (query) => {
      const problem = expectProblem(await system.http().get(`/orders?${query}`).set('authorization', token()), 400);
      expect(problem.errors).toEqual(expect.arrayContaining([expect.objectContaining({ field: expect.any(String) })]));
    });
  });

  describe('500: an unexpected error says nothing about itself', () => {
    it('answers a broken database with a bare problem', async () => {
      const order = await postOrder().send({ items: [item('ERR-1')], paymentMethod: 'pm_card_timeout' });
      expect(order.status).toBe(202);
      await system.waitUntilQuiet();
      // This file's own database: break the read path, then restore it.
      await system.db.query('ALTER TABLE gateway.order_items RENAME TO order_items_hidden');
      try {
        const response = await system.http().get(`/orders/${order.body.id}`).set('authorization', token());
        const problem = expectProblem(response, 500);
        expect(problem).toEqual({
          type: 'about:blank',
          title: 'Internal Server Error',
          status: 500,
          detail: 'An unexpected error occurred.',
          instance: `/orders/${order.body.id}`,
        });
        expect(response.text).not.toMatch(/order_items|gateway|relation|does not exist/i);
      } finally {
        await system.db.query('ALTER TABLE gateway.order_items_hidden RENAME TO order_items');
      }
      expect((await system.http().get(`/orders/${order.body.id}`).set('authorization', token())).status).toBe(200);
    });
  });

  it('created orders only for the valid requests of this file', async () => {
    const { rows } = await system.db.query("SELECT count(*)::int AS n FROM gateway.orders WHERE user_id = 'hostile-user'");
    expect(rows[0].n).toBe(3);
  });
});
