import { RetentionJob } from '@orders/platform-database';
import { requestFingerprint } from '@orders/order-gateway';
import { Redis } from 'ioredis';
import { PoolClient } from 'pg';
import { TestSystem } from '../support/system';
import { TEST_ENV } from '../support/test-env';
import { waitUntil } from '../support/wait';
import { expectProblem, fieldsOf, rawRequest } from './http-kit';

/**
 * Contract, Idempotency: per user, keys kept at least 24 h; same key and body → the first
 * response replayed with Idempotent-Replayed: true; different body → 422; still in flight → 409;
 * missing key → 400; the same key used by two users → two orders. Idempotency-Key is 1-255
 * printable ASCII.
 */
describe('gateway idempotency keys', () => {
  let system: TestSystem;
  const body = { items: [{ sku: 'IDEM-1', quantity: 2 }], paymentMethod: 'pm_card_timeout' };

  beforeAll(async () => {
    system = await TestSystem.start({ gateway: { RATE_LIMIT_ORDERS_PER_MINUTE: '100000', ORDER_PAYMENT_TIMEOUT_MS: '600000' } });
    await system.createProduct({ sku: 'IDEM-1', priceCents: 250, initialStock: 100_000 });
    await system.createProduct({ sku: 'IDEM-2', priceCents: 400, initialStock: 100_000 });
  });

  afterAll(async () => {
    await system?.stop();
  });

  const post = (userId: string, key: string | null, payload: object = body) => {
    const test = system
      .http()
      .post('/orders')
      .set('authorization', `Bearer ${system.token(userId)}`);
    if (key !== null) test.set('idempotency-key', key);
    return test.send(payload);
  };

  async function ordersOf(userId: string): Promise<Array<{ id: string }>> {
    const { rows } = await system.db.query('SELECT id FROM gateway.orders WHERE user_id = $1', [userId]);
    return rows;
  }

  it('replays the first response for a repeated Idempotency-Key', async () => {
    const first = await post('replay-user', 'key-replay');
    expect(first.status).toBe(202);
    expect(first.headers['idempotent-replayed']).toBeUndefined();

    // Same body with its keys in another order: the same request.
    const again = await post('replay-user', 'key-replay', { paymentMethod: 'pm_card_timeout', items: [{ quantity: 2, sku: 'IDEM-1' }] });
    expect(again.status).toBe(202);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(again.headers.location).toBe(first.headers.location);
    expect(again.body).toEqual(first.body);

    expect(await ordersOf('replay-user')).toEqual([{ id: first.body.id }]);
    const { rows: items } = await system.db.query('SELECT count(*)::int AS n FROM gateway.order_items WHERE order_id = $1', [first.body.id]);
    expect(items[0].n).toBe(1);
    // One OrderCreated and so one reservation, however often the request is repeated.
    await system.recorder.waitFor(() => system.recorder.typesOf(first.body.id).includes('OrderReserved'));
    expect(system.recorder.typesOf(first.body.id).filter((type) => type === 'OrderCreated')).toHaveLength(1);
    const { rows: reservations } = await system.db.query('SELECT count(*)::int AS n FROM inventory.reservations WHERE order_id = $1', [first.body.id]);
    expect(reservations[0].n).toBe(1);
  });

  it('replays the answer of a first request that waited (Prefer: wait) for a terminal order: same status, same body', async () => {
    const confirmed = { items: [{ sku: 'IDEM-1', quantity: 1 }], paymentMethod: 'pm_card_ok' };
    const first = await post('waited-user', 'key-waited', confirmed).set('prefer', 'wait=20');
    expect(first.status).toBe(202);
    expect(first.body.status).toBe('CONFIRMED');

    const replay = await post('waited-user', 'key-waited', confirmed);
    expect(replay.status).toBe(first.status);
    expect(replay.headers['idempotent-replayed']).toBe('true');
    expect(replay.body).toEqual(first.body);
    expect(await ordersOf('waited-user')).toEqual([{ id: first.body.id }]);
  });

  it('answers 409 to a repeat while the first request still holds its answer, then replays that answer', async () => {
    // pm_card_timeout: the order stays RESERVED, so the first request holds its answer the full 3 s.
    const first = post('holding-user', 'key-holding')
      .set('prefer', 'wait=3')
      .then((response) => response);
    await waitUntil(async () => (await ordersOf('holding-user')).length === 1);

    const duplicate = await post('holding-user', 'key-holding');
    expect(expectProblem(duplicate, 409).type).toMatch(/idempotency-request-in-flight$/);
    expect(duplicate.headers['retry-after']).toMatch(/^\d+$/);

    const original = await first;
    expect(original.headers['preference-applied']).toBe('wait=3');
    const replay = await post('holding-user', 'key-holding');
    expect(replay.status).toBe(original.status);
    expect(replay.headers['idempotent-replayed']).toBe('true');
    expect(replay.body).toEqual(original.body);
    expect(await ordersOf('holding-user')).toHaveLength(1);
  });

  it('answers 422 when the key is reused with a different body, and creates nothing', async () => {
    const first = await post('mismatch-user', 'key-mismatch');
    expect(first.status).toBe(202);
    for (const other of [
      { items: [{ sku: 'IDEM-1', quantity: 3 }], paymentMethod: 'pm_card_timeout' },
      { items: [{ sku: 'IDEM-2', quantity: 2 }], paymentMethod: 'pm_card_timeout' },
      { items: [{ sku: 'IDEM-1', quantity: 2 }] },
    ]) {
      const response = await post('mismatch-user', 'key-mismatch', other);
      const problem = expectProblem(response, 422);
      expect(problem.type).toMatch(/idempotency-key-reused$/);
    }
    expect(await ordersOf('mismatch-user')).toEqual([{ id: first.body.id }]);
  });

  /** The key's in-flight claim, kept in Redis under the deployment's prefix (PostgreSQL keeps completed keys only). */
  const claimOf = async (userId: string, key: string): Promise<{ value: string | null; ttl: number }> => {
    const redis = new Redis(TEST_ENV.redisUrl);
    try {
      const name = `${system.prefix}idempotency:{${userId}}:${key}`;
      return { value: await redis.get(name), ttl: await redis.pttl(name) };
    } finally {
      await redis.quit();
    }
  };

  /** The first request's statement is blocked on a lock (pg_locks not granted): it holds its claim and has written nothing. */
  const blockedOnLock = async () => {
    const { rows } = await system.db.query(
      'SELECT count(*)::int AS n FROM pg_locks WHERE NOT granted AND relation IS NOT NULL AND database = (SELECT oid FROM pg_database WHERE datname = current_database())',
    );
    return rows[0].n > 0;
  };

  it('answers 409 while the first request with the key is still in flight, then replays it', async () => {
    // Hold the first request inside its statement: it has claimed the key but cannot insert its order.
    const blocker: PoolClient = await system.db.connect();
    let first: Promise<import('supertest').Response> | undefined;
    try {
      await blocker.query('BEGIN');
      await blocker.query('LOCK TABLE gateway.orders IN EXCLUSIVE MODE');
      first = post('inflight-user', 'key-inflight').then((response) => response);
      await waitUntil(blockedOnLock);
      expect((await claimOf('inflight-user', 'key-inflight')).value).toMatch(/^[0-9a-f]{64}$/);

      const duplicate = await post('inflight-user', 'key-inflight');
      const problem = expectProblem(duplicate, 409);
      expect(problem.type).toMatch(/idempotency-request-in-flight$/);
      expect(duplicate.headers['retry-after']).toMatch(/^\d+$/);
      // The duplicate's 409 did not free the first request's claim.
      expect((await claimOf('inflight-user', 'key-inflight')).value).not.toBeNull();
    } finally {
      await blocker.query('ROLLBACK');
      blocker.release();
    }
    const original = await first;
    expect(original.status).toBe(202);
    const replay = await post('inflight-user', 'key-inflight');
    expect(replay.status).toBe(202);
    expect(replay.headers['idempotent-replayed']).toBe('true');
    expect(replay.body.id).toBe(original.body.id);
    expect(await ordersOf('inflight-user')).toHaveLength(1);
  });

  it('lets a request claim a key whose lease expired; of the two, one writes and the other replays its answer', async () => {
    // Hold both requests in their statement: the write waits for the order_items table.
    const blocker: PoolClient = await system.db.connect();
    const redis = new Redis(TEST_ENV.redisUrl);
    let responses: Array<import('supertest').Response>;
    try {
      await blocker.query('BEGIN');
      await blocker.query('LOCK TABLE gateway.order_items IN ACCESS EXCLUSIVE MODE');
      const stale = post('lease-user', 'key-lease').then((response) => response);
      await waitUntil(blockedOnLock);
      // The first request outlives its lease (as if it hung for 30 s): its Redis claim lapses.
      expect(await redis.del(`${system.prefix}idempotency:{lease-user}:key-lease`)).toBe(1);
      const takeover = post('lease-user', 'key-lease').then((response) => response);
      await waitUntil(async () => (await claimOf('lease-user', 'key-lease')).value !== null);
      await waitUntil(async () => {
        const { rows } = await system.db.query(
          "SELECT count(*)::int AS n FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE '%idempotency_keys%'",
        );
        return rows[0].n >= 1;
      });
      await blocker.query('ROLLBACK');
      responses = await Promise.all([stale, takeover]);
    } finally {
      blocker.release();
      await redis.quit();
    }

    // Whichever writes first stores the key; the other meets the key in its statement (ON CONFLICT), writes nothing and replays it.
    expect(responses.map((response) => response.status)).toEqual([202, 202]);
    expect(responses.map((response) => response.headers['idempotent-replayed']).sort()).toEqual(['true', undefined]);
    expect(responses[0].body.id).toBe(responses[1].body.id);
    expect(await ordersOf('lease-user')).toEqual([{ id: responses[0].body.id }]);
    const { rows: keys } = await system.db.query("SELECT state, order_id FROM gateway.idempotency_keys WHERE user_id = 'lease-user'");
    expect(keys).toEqual([{ state: 'COMPLETED', order_id: responses[0].body.id }]);
  });

  it('takes over a lapsed IN_FLIGHT row an older replica left behind, but never a leased one (rolling upgrade)', async () => {
    const claimRow = (key: string, leased: boolean) =>
      system.db.query(
        `INSERT INTO gateway.idempotency_keys (user_id, key, fingerprint, state, locked_until)
         VALUES ('legacy-user', $1, $2, 'IN_FLIGHT', now() + $3 * interval '1 second')`,
        [key, requestFingerprint('POST', '/orders', body), leased ? 30 : -1],
      );
    await claimRow('key-legacy-leased', true);
    await claimRow('key-legacy-lapsed', false);

    expectProblem(await post('legacy-user', 'key-legacy-leased'), 409);
    // The 409 freed this request's Redis claim: the older replica's row is what keeps the key.
    expect((await claimOf('legacy-user', 'key-legacy-leased')).value).toBeNull();
    const takenOver = await post('legacy-user', 'key-legacy-lapsed');
    expect(takenOver.status).toBe(202);
    expect(takenOver.headers['idempotent-replayed']).toBeUndefined();
    expect(await ordersOf('legacy-user')).toEqual([{ id: takenOver.body.id }]);
    const { rows } = await system.db.query("SELECT key, state, order_id FROM gateway.idempotency_keys WHERE user_id = 'legacy-user' ORDER BY key");
    expect(rows).toEqual([
      { key: 'key-legacy-lapsed', state: 'COMPLETED', order_id: takenOver.body.id },
      { key: 'key-legacy-leased', state: 'IN_FLIGHT', order_id: null },
    ]);
  });

  it('frees the key when the request fails after claiming it: a 400, then the corrected retry with the same key is accepted', async () => {
    expectProblem(await post('retry-user', 'key-retry', { items: [{ sku: 'IDEM-1', quantity: 0 }] }), 400);
    expect((await claimOf('retry-user', 'key-retry')).value).toBeNull();
    expect((await system.http().get('/metrics')).text).toMatch(/gateway_idempotency_claims_released_total [1-9]/);
    const unknown = await post('retry-user', 'key-retry', { items: [{ sku: 'IDEM-NONE', quantity: 1 }] });
    expect(expectProblem(unknown, 422).type).toMatch(/unknown-sku$/);
    expect((await claimOf('retry-user', 'key-retry')).value).toBeNull();

    const corrected = await post('retry-user', 'key-retry');
    expect(corrected.status).toBe(202);
    expect(corrected.headers['idempotent-replayed']).toBeUndefined();
    expect(await ordersOf('retry-user')).toEqual([{ id: corrected.body.id }]);
    // A success keeps its claim until the lease lapses: a repeat goes straight to the stored answer.
    const claim = await claimOf('retry-user', 'key-retry');
    expect(claim.value).toBe(requestFingerprint('POST', '/orders', body));
    expect(claim.ttl).toBeGreaterThan(0);
  });

  it('captures the price the catalog has when the order is written, even after a price change between two orders', async () => {
    await system.createProduct({ sku: 'IDEM-REPRICE', priceCents: 1000, initialStock: 1_000 });
    const order = (key: string) => post('price-user', key, { items: [{ sku: 'IDEM-REPRICE', quantity: 2 }], paymentMethod: 'pm_card_timeout' });
    const before = await order('key-price-1');
    expect(before.body).toMatchObject({ items: [{ sku: 'IDEM-REPRICE', unitPriceCents: 1000 }], totalCents: 2000 });

    // The gateway remembers 1000; the admin reprices to 1250 (inventory owns the price; the gateway's catalog copy follows).
    const repriced = await system.http().patch('/admin/products/IDEM-REPRICE').set('authorization', `Bearer ${system.adminToken()}`).send({ priceCents: 1250 });
    expect(repriced.status).toBe(200);
    const after = await order('key-price-2');
    expect(after.status).toBe(202);
    expect(after.body).toMatchObject({ items: [{ sku: 'IDEM-REPRICE', unitPriceCents: 1250 }], totalCents: 2500 });
    const { rows } = await system.db.query(
      'SELECT o.total_cents::int AS total, i.unit_price_cents::int AS price FROM gateway.orders o JOIN gateway.order_items i ON i.order_id = o.id WHERE o.id = $1',
      [after.body.id],
    );
    expect(rows).toEqual([{ total: 2500, price: 1250 }]);
    const metrics = await system.http().get('/metrics');
    expect(metrics.text).toMatch(/gateway_price_memory_refreshes_total\{reason="stale"\} [1-9]/);
  });

  it('creates exactly one order for 20 concurrent requests with one key; the rest are 409 or replays', async () => {
    const responses = await Promise.all(Array.from({ length: 20 }, () => post('race-user', 'key-race')));

    const statuses = responses.map((response) => response.status);
    expect(statuses.every((status) => status === 202 || status === 409)).toBe(true);
    const accepted = responses.filter((response) => response.status === 202);
    expect(accepted.length).toBeGreaterThanOrEqual(1);
    expect(accepted.filter((response) => response.headers['idempotent-replayed'] !== 'true')).toHaveLength(1);
    expect(new Set(accepted.map((response) => response.body.id)).size).toBe(1);
    for (const conflict of responses.filter((response) => response.status === 409)) expectProblem(conflict, 409);

    const orders = await ordersOf('race-user');
    expect(orders).toEqual([{ id: accepted[0].body.id }]);
    // The repeats met the first request's claim in Redis.
    expect((await system.http().get('/metrics')).text).toMatch(/gateway_idempotency_claims_total\{claim="held"\} [1-9]/);
    const { rows: keys } = await system.db.query("SELECT state, order_id FROM gateway.idempotency_keys WHERE user_id = 'race-user'");
    expect(keys).toEqual([{ state: 'COMPLETED', order_id: accepted[0].body.id }]);
  });

  it('keeps different users’ keys apart: the same key creates two independent orders', async () => {
    const alice = await post('alice', 'shared-key');
    const bob = await post('bob', 'shared-key', { items: [{ sku: 'IDEM-2', quantity: 1 }] });
    expect([alice.status, bob.status]).toEqual([202, 202]);
    expect(alice.headers['idempotent-replayed']).toBeUndefined();
    expect(bob.headers['idempotent-replayed']).toBeUndefined();
    expect(alice.body.id).not.toBe(bob.body.id);
    expect(alice.body.userId).toBe('alice');
    expect(bob.body.userId).toBe('bob');
    expect(await ordersOf('alice')).toEqual([{ id: alice.body.id }]);
    expect(await ordersOf('bob')).toEqual([{ id: bob.body.id }]);
  });

  describe('400 for a missing or invalid Idempotency-Key', () => {
    it.each([
      ['missing', null],
      ['empty', ''],
      ['256 characters', 'k'.repeat(256)],
      ['Latin-1 (é)', 'clé-1'],
    ])('%s', async (_case, key) => {
      const problem = expectProblem(await post('key-user', key), 400);
      expect(fieldsOf(problem)).toContain('Idempotency-Key');
    });

    it('accepts 255 printable ASCII characters, punctuation and spaces included', async () => {
      const key = ` !"#$%&'()*+,-./:;<=>?@[\\]^_\`{|}~`.padEnd(255, 'x').replace(/^ /, 'a');
      const response = await post('key-user', key);
      expect(response.status).toBe(202);
    });

    const head = (key: string) =>
      `POST /orders HTTP/1.1\r\nHost: gateway\r\nAuthorization: Bearer ${system.token('key-user')}\r\nContent-Type: application/json\r\nIdempotency-Key: ${key}`;
    const json = JSON.stringify({ items: [{ sku: 'IDEM-1', quantity: 1 }] });

    it.each([
      ['UTF-8 (Cyrillic)', 'ключ-1'],
      ['an emoji', 'key-🔑'],
      ['a right-to-left override', 'key-\u202Egnp'],
      ['a tab', 'key\t1'],
      ['a NUL byte', 'key\u00001'],
      ['a bell', 'key\u00071'],
      ['an escape sequence', 'key\u001B[31m'],
      ['DEL', 'key\u007F1'],
    ])('refuses %s with a problem+json 400, never a 5xx', async (_case, key) => {
      const response = await rawRequest(system.gatewayUrl, head(key), json);
      expectProblem(response, 400);
    });

    it('created no order for any refused key', async () => {
      expect(await ordersOf('key-user')).toHaveLength(1);
    });
  });

  describe('retention', () => {
    it('keeps keys for 24 h, then frees them', async () => {
      const old = await post('retention-user', 'key-old');
      const recent = await post('retention-user', 'key-recent');
      await system.db.query(
        "UPDATE gateway.idempotency_keys SET created_at = now() - interval '25 hours' WHERE user_id = 'retention-user' AND key = 'key-old'",
      );
      // 25 hours on, the request's 30 s in-flight claim in Redis has long lapsed too.
      const redis = new Redis(TEST_ENV.redisUrl);
      await redis.del(`${system.prefix}idempotency:{retention-user}:key-old`).finally(() => redis.quit());
      await system.db.query(
        "UPDATE gateway.idempotency_keys SET created_at = now() - interval '23 hours' WHERE user_id = 'retention-user' AND key = 'key-recent'",
      );

      expect((await system.gateway.get(RetentionJob).pruneNow()).idempotency_keys).toBeGreaterThanOrEqual(1);

      const { rows } = await system.db.query("SELECT key FROM gateway.idempotency_keys WHERE user_id = 'retention-user' ORDER BY key");
      expect(rows).toEqual([{ key: 'key-recent' }]);
      const replay = await post('retention-user', 'key-recent');
      expect(replay.headers['idempotent-replayed']).toBe('true');
      expect(replay.body.id).toBe(recent.body.id);
      // After expiry the key is new again.
      const fresh = await post('retention-user', 'key-old');
      expect(fresh.status).toBe(202);
      expect(fresh.headers['idempotent-replayed']).toBeUndefined();
      expect(fresh.body.id).not.toBe(old.body.id);
    });
  });
});
