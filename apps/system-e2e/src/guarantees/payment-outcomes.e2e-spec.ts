import { createEvent, topicName, Topics } from '@orders/events';
import { createKafka } from '@orders/platform-messaging';
import { randomUUID } from 'node:crypto';
import { PoolClient } from 'pg';
import { register } from 'prom-client';
import { waitUntil } from '../support/wait';
import { TestSystem } from '../support/system';

const statuses = (order: { history: Array<{ status: string }> }) => order.history.map((step) => step.status);

/**
 * Payment timeouts, late payments and user cancellation racing payment: whichever
 * wins, the order ends consistent — paid and confirmed, or cancelled with its stock
 * back and its money never taken or refunded.
 */
describe('payment timeout, late payment and cancel races', () => {
  let system: TestSystem;

  beforeAll(async () => {
    system = await TestSystem.start({
      gateway: { ORDER_PAYMENT_TIMEOUT_MS: '1500', PAYMENT_TIMEOUT_SWEEP_MS: '100' },
      // Every charge takes 3 s: longer than the payment timeout.
      payment: { PAYMENT_DELAY_MIN_MS: '3000', PAYMENT_DELAY_MAX_MS: '3000' },
    });
    await system.createProduct({ sku: 'PAY-LAMP', priceCents: 4200, initialStock: 20 });
  });

  afterEach(async () => {
    await system.waitUntilQuiet(30_000);
    await system.assertStockConserved();
  });

  afterAll(async () => {
    await system?.stop();
  });

  it('cancels an order whose payment never answers with PAYMENT_TIMEOUT and releases its stock', async () => {
    const before = await system.stock('PAY-LAMP');
    const placed = await system.placeOrder('tina', { items: [{ sku: 'PAY-LAMP', quantity: 2 }], paymentMethod: 'pm_card_timeout' }, { prefer: 'wait=20' });

    expect(placed.status).toBe(202);
    expect(placed.body).toMatchObject({ status: 'CANCELLED', cancelReason: 'PAYMENT_TIMEOUT' });
    expect(statuses(placed.body)).toEqual(['CREATED', 'RESERVED', 'CANCELLED']);
    await system.waitUntilQuiet();
    expect(await system.stock('PAY-LAMP')).toEqual(before);
    const { rows } = await system.db.query('SELECT status FROM payment.payments WHERE order_id = $1', [placed.body.id]);
    expect(rows).toEqual([{ status: 'CANCELLED' }]);
  });

  it('refunds a payment that succeeds after the order timed out; the order stays CANCELLED and nothing is sold', async () => {
    const before = await system.stock('PAY-LAMP');
    const placed = await system.placeOrder('lena', { items: [{ sku: 'PAY-LAMP', quantity: 1 }], paymentMethod: 'pm_card_ok' }, { prefer: 'wait=20' });
    expect(placed.body).toMatchObject({ status: 'CANCELLED', cancelReason: 'PAYMENT_TIMEOUT' });

    const orderId = placed.body.id;
    await system.recorder.waitFor(() => system.recorder.typesOf(orderId).includes('PaymentRefunded'), 20_000);
    expect(system.recorder.typesOf(orderId)).toEqual(expect.arrayContaining(['OrderCancelled', 'PaymentSuccess', 'PaymentRefunded']));
    expect(system.recorder.typesOf(orderId)).not.toContain('OrderPaid');

    const { rows: payments } = await system.db.query('SELECT status, refund_id IS NOT NULL AS refunded FROM payment.payments WHERE order_id = $1', [orderId]);
    expect(payments).toEqual([{ status: 'REFUNDED', refunded: true }]);
    const { rows: orders } = await system.db.query('SELECT status, cancel_reason FROM gateway.orders WHERE id = $1', [orderId]);
    expect(orders).toEqual([{ status: 'CANCELLED', cancel_reason: 'PAYMENT_TIMEOUT' }]);
    await system.waitUntilQuiet();
    expect(await system.stock('PAY-LAMP')).toEqual(before);
  });

  it('lets the owner cancel while payment is in flight: the charge is refunded or never made, stock comes back', async () => {
    const before = await system.stock('PAY-LAMP');
    const placed = await system.placeOrder('carl', { items: [{ sku: 'PAY-LAMP', quantity: 3 }], paymentMethod: 'pm_card_ok' });
    const orderId = placed.body.id;
    await system.waitForStatus(orderId, 'RESERVED');

    const cancelled = await system
      .http()
      .post(`/orders/${orderId}/cancel`)
      .set('authorization', `Bearer ${system.token('carl')}`);
    expect(cancelled.status).toBe(200);
    expect(cancelled.body).toMatchObject({ id: orderId, status: 'CANCELLED', cancelReason: 'USER_CANCELLED' });

    const again = await system
      .http()
      .post(`/orders/${orderId}/cancel`)
      .set('authorization', `Bearer ${system.token('carl')}`);
    expect(again.status).toBe(409);
    expect(again.headers['content-type']).toContain('application/problem+json');

    await system.recorder.waitFor(() => system.recorder.typesOf(orderId).includes('PaymentRefunded'), 20_000);
    const { rows } = await system.db.query('SELECT status FROM payment.payments WHERE order_id = $1', [orderId]);
    expect(rows).toEqual([{ status: 'REFUNDED' }]);
    await system.waitUntilQuiet();
    expect(await system.stock('PAY-LAMP')).toEqual(before);
  });

  it('makes a refund still owed when its attempt died (the lease expired): once, with PaymentRefunded', async () => {
    const placed = await system.placeOrder('rita', { items: [{ sku: 'PAY-LAMP', quantity: 1 }], paymentMethod: 'pm_card_timeout' }, { prefer: 'wait=20' });
    expect(placed.body).toMatchObject({ status: 'CANCELLED', cancelReason: 'PAYMENT_TIMEOUT' });
    const orderId = placed.body.id;
    // As if the charge had gone through and the process had died before refunding it.
    await system.db.query(
      `UPDATE payment.payments SET status = 'REFUNDING', provider_tx_id = 'tx-orphan', lease_until = now() - interval '1 second' WHERE order_id = $1`,
      [orderId],
    );

    await system.recorder.waitFor(() => system.recorder.typesOf(orderId).includes('PaymentRefunded'), 20_000);
    const { rows } = await system.db.query('SELECT status, refund_id IS NOT NULL AS refunded, attempts FROM payment.payments WHERE order_id = $1', [orderId]);
    expect(rows).toEqual([{ status: 'REFUNDED', refunded: true, attempts: 1 }]);
    expect(system.recorder.typesOf(orderId).filter((type) => type === 'PaymentRefunded')).toHaveLength(1);
  });

  it('refuses to cancel someone else’s order with 404, never revealing it exists', async () => {
    const placed = await system.placeOrder('olga', { items: [{ sku: 'PAY-LAMP', quantity: 1 }], paymentMethod: 'pm_card_timeout' });
    const stranger = await system
      .http()
      .post(`/orders/${placed.body.id}/cancel`)
      .set('authorization', `Bearer ${system.token('mallory')}`);
    expect(stranger.status).toBe(404);
    await system.waitForTerminal([placed.body.id]);
  });
});

/**
 * The payment timeout is judged against what the gateway has consumed: a payment result
 * that reached Kafka but still waits in the gateway's backlog when the deadline passes
 * is applied, not turned into a timeout and a refund.
 */
describe('payment timeout under consumer lag', () => {
  let system: TestSystem;

  beforeAll(async () => {
    system = await TestSystem.start({ gateway: { ORDER_PAYMENT_TIMEOUT_MS: '60000', PAYMENT_TIMEOUT_SWEEP_MS: '100' } });
    await system.createProduct({ sku: 'LAG-LAMP', priceCents: 4200, initialStock: 5 });
  });

  afterAll(async () => {
    await system?.stop();
  });

  async function deferredTimeouts(): Promise<number | undefined> {
    const metric = register.getSingleMetric('payment_timeouts_deferred');
    return metric ? (await metric.get()).values[0]?.value : undefined;
  }

  /**
   * Places an order whose provider never answers, then stalls the gateway's handlers (each
   * waits for the inbox table), sends a PaymentSuccess for it into the backlog and moves its
   * reservation `reservedAgo` into the past. Returns the order id and the release of the stall.
   */
  async function paymentResultInBacklog(userId: string, reservedAgo: string): Promise<{ orderId: string; release: () => Promise<void> }> {
    const placed = await system.placeOrder(userId, { items: [{ sku: 'LAG-LAMP', quantity: 1 }], paymentMethod: 'pm_card_timeout' });
    const orderId = placed.body.id as string;
    await system.waitForStatus(orderId, 'RESERVED');

    const blocker: PoolClient = await system.db.connect();
    const producer = createKafka('late-payment-result', system.brokers).producer();
    const release = async () => {
      await blocker.query('ROLLBACK').catch(() => undefined);
      blocker.release();
      await producer.disconnect();
    };
    try {
      await blocker.query('BEGIN');
      await blocker.query('LOCK TABLE gateway.processed_events IN EXCLUSIVE MODE');
      await producer.connect();
      const success = createEvent('PaymentSuccess', {
        orderId,
        payload: { paymentId: randomUUID(), amountCents: 4200, currency: 'USD', providerTxId: `tx-${userId}` },
      });
      await producer.send({ topic: topicName(Topics.PaymentEvents, system.prefix), acks: -1, messages: [{ key: orderId, value: JSON.stringify(success) }] });
      await system.db.query(`UPDATE gateway.orders SET status_changed_at = now() - $2::interval WHERE id = $1`, [orderId, reservedAgo]);
      return { orderId, release };
    } catch (error) {
      await release();
      throw error;
    }
  }

  const statusOf = async (orderId: string) => (await system.db.query('SELECT status, cancel_reason FROM gateway.orders WHERE id = $1', [orderId])).rows[0];

  it('applies a payment result still in the gateway backlog at the deadline instead of timing the order out', async () => {
    // Past the 60 s timeout, inside the 10 min hard timeout.
    const { orderId, release } = await paymentResultInBacklog('lagging', '2 minutes');
    try {
      // Sweeps see the order past its deadline and keep it: its payment result is not consumed yet.
      await waitUntil(async () => (await deferredTimeouts()) === 1);
      expect(await statusOf(orderId)).toEqual({ status: 'RESERVED', cancel_reason: null });
    } finally {
      await release();
    }

    // The backlog drains: the payment applies and the order completes.
    await system.waitForStatus(orderId, 'CONFIRMED');
    const order = await system
      .http()
      .get(`/orders/${orderId}`)
      .set('authorization', `Bearer ${system.token('lagging')}`);
    expect(statuses(order.body)).toEqual(['CREATED', 'RESERVED', 'PAID', 'CONFIRMED']);
    await waitUntil(async () => (await deferredTimeouts()) === 0);
  });

  it('cancels past the hard timeout even while a payment result waits in the backlog, so no reservation outlives its order', async () => {
    const before = await system.stock('LAG-LAMP');
    const { orderId, release } = await paymentResultInBacklog('stalled', '1 hour');
    try {
      await waitUntil(async () => (await statusOf(orderId)).status === 'CANCELLED');
      expect(await statusOf(orderId)).toEqual({ status: 'CANCELLED', cancel_reason: 'PAYMENT_TIMEOUT' });
    } finally {
      await release();
    }

    // The late result finds the order cancelled: it stays cancelled and its stock comes back.
    await system.waitUntilQuiet();
    expect(await statusOf(orderId)).toEqual({ status: 'CANCELLED', cancel_reason: 'PAYMENT_TIMEOUT' });
    expect(await system.stock('LAG-LAMP')).toEqual(before);
  });
});
