import { Services, Topics } from '@orders/events';
import { TestSystem } from '../support/system';
import { Scrape } from './prometheus-text';

/**
 * /metrics moves as orders flow: business counters of the saga, HTTP latency by route
 * template, consumer lag, dead letters, and where open orders are.
 */
describe('metrics as orders flow', () => {
  let system: TestSystem;

  beforeAll(async () => {
    system = await TestSystem.start();
    await system.createProduct({ sku: 'METRIC-KETTLE', priceCents: 3000, initialStock: 10 });
  });

  afterAll(async () => {
    await system?.stop();
  });

  const order = (userId: string, paymentMethod: string) =>
    system.placeOrder(userId, { items: [{ sku: 'METRIC-KETTLE', quantity: 1 }], paymentMethod }, { prefer: 'wait=20' });

  it('counts a confirmed order as created, paid and confirmed, and a declined one as failed with PAYMENT_FAILED', async () => {
    const before = await Scrape.of(system.gatewayUrl);

    const confirmed = await order('mia', 'pm_card_ok');
    expect(confirmed.body).toMatchObject({ status: 'CONFIRMED' });
    const declined = await order('noah', 'pm_card_declined');
    expect(declined.body).toMatchObject({ status: 'CANCELLED', cancelReason: 'PAYMENT_FAILED' });
    await system.waitUntilQuiet();

    const after = await Scrape.of(system.gatewayUrl);
    const delta = (name: string, labels: Record<string, string> = {}) => after.value(name, labels) - before.value(name, labels);
    expect({
      created: delta('orders_created_total'),
      paid: delta('orders_paid_total'),
      confirmed: delta('orders_confirmed_total'),
      paymentFailed: delta('orders_failed_total', { reason: 'PAYMENT_FAILED' }),
      outOfStock: delta('orders_failed_total', { reason: 'OUT_OF_STOCK' }),
      toReserved: delta('order_transitions_total', { to: 'RESERVED' }),
    }).toEqual({ created: 2, paid: 1, confirmed: 1, paymentFailed: 1, outOfStock: 0, toReserved: 2 });
    expect(after.value('payments_total', { outcome: 'succeeded' }) - before.value('payments_total', { outcome: 'succeeded' })).toBe(1);
    expect(after.value('payments_total', { outcome: 'failed' }) - before.value('payments_total', { outcome: 'failed' })).toBe(1);
    expect(after.value('payment_success_rate')).toBeCloseTo(0.5);
  });

  it('times HTTP requests by route template, method and status, never by raw URL', async () => {
    const placed = await order('olivia', 'pm_card_ok');
    await system
      .http()
      .get(`/orders/${placed.body.id}`)
      .set('authorization', `Bearer ${system.token('olivia')}`)
      .expect(200);
    await system.http().get('/no-such-route/12345').expect(404);
    await system.waitUntilQuiet();

    const scrape = await Scrape.of(system.gatewayUrl);
    const count = (labels: Record<string, string>) => scrape.value('http_request_duration_seconds_count', { service: 'order-gateway', ...labels });
    expect(count({ route: '/orders', method: 'POST', status: '202' })).toBeGreaterThanOrEqual(1);
    expect(count({ route: '/orders/:id', method: 'GET', status: '200' })).toBeGreaterThanOrEqual(1);
    expect(count({ route: 'unmatched', method: 'GET', status: '404' })).toBeGreaterThanOrEqual(1);
    const routes = new Set(scrape.all('http_request_duration_seconds_count').map((sample) => sample.labels.route));
    expect([...routes].filter((route) => route.includes(placed.body.id) || route.includes('12345'))).toEqual([]);
    // Every app measures its own requests (createProduct went through the inventory service).
    expect(scrape.all('http_request_duration_seconds_count', { service: 'inventory-service' }).length).toBeGreaterThan(0);
  });

  it('reports consumer lag per service and topic, dead letters, the outbox backlog and open orders', async () => {
    await system.waitUntilQuiet();
    // Figures measured at scrape time are cached for a few seconds: wait for a fresh zero.
    const deadline = Date.now() + 20_000;
    let scrape = await Scrape.of(system.gatewayUrl);
    while (scrape.all('kafka_consumer_lag').some((sample) => sample.value > 0) && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 500));
      scrape = await Scrape.of(system.gatewayUrl);
    }

    const lag = scrape.all('kafka_consumer_lag');
    // Topic labels are the logical names (no deployment prefix); no partition label.
    expect(lag.map((sample) => `${sample.labels.service} ${sample.labels.topic}`)).toEqual(
      expect.arrayContaining([
        `${Services.InventoryService} ${Topics.OrderEvents}`,
        `${Services.PaymentService} ${Topics.InventoryEvents}`,
        `${Services.OrderGateway} ${Topics.InventoryEvents}`,
        `${Services.OrderGateway} ${Topics.PaymentEvents}`,
      ]),
    );
    expect(lag.every((sample) => Object.keys(sample.labels).sort().join() === 'service,topic' && sample.value === 0)).toBe(true);
    expect(scrape.all('kafka_dead_letter_messages', { topic: Topics.OrderEvents })).toEqual([expect.objectContaining({ value: 0 })]);
    // The relay sets its backlog when it polls (before publishing): present, not necessarily 0 yet.
    expect(
      scrape
        .all('outbox_backlog')
        .map((sample) => sample.labels.service)
        .sort(),
    ).toEqual([Services.InventoryService, Services.OrderGateway, Services.PaymentService]);
    expect(
      scrape
        .all('orders_by_status')
        .map((sample) => sample.labels.status)
        .sort(),
    ).toEqual(['CREATED', 'PAID', 'RESERVED']);
    expect(scrape.all('order_oldest_open_age_seconds')).toHaveLength(1);
  });
});
