import { deadLetterTopic, topicName, Topics } from '@orders/events';
import { ConfigResourceTypes } from 'kafkajs';
import { createKafka, ensureTopics, sagaTopics } from '@orders/platform-messaging';
import { RetentionJob } from '@orders/platform-database';
import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { metricSum } from '../support/batch-checks';
import { TestSystem } from '../support/system';
import { waitUntil } from '../support/wait';

/**
 * Retention: the inbox (and the other tables that grow with traffic) is pruned in small
 * batches to its window (14 days, longer than Kafka's 7), and dedupe still holds inside it.
 */
describe('retention of the tables that grow with traffic', () => {
  let system: TestSystem;

  beforeAll(async () => {
    // Runs are triggered by the test; batches of 7 rows, so one run takes several statements.
    system = await TestSystem.start({ env: { RETENTION_INTERVAL_MS: '3600000', RETENTION_BATCH_SIZE: '7' } });
    await system.createProduct({ sku: 'RET-1', priceCents: 900, initialStock: 10 });
  });

  afterAll(async () => {
    await system?.stop();
  });

  it('prunes inbox rows past the window in batches, and still drops a duplicate inside it', async () => {
    const placed = await system.placeOrder('rita', { items: [{ sku: 'RET-1', quantity: 2 }], paymentMethod: 'pm_card_ok' }, { prefer: 'wait=20' });
    expect(placed.body.status).toBe('CONFIRMED');
    const orderId = placed.body.id;
    await system.recorder.waitFor(() => system.recorder.typesOf(orderId).includes('OrderConfirmed'));
    await system.waitUntilQuiet();
    const paid = system.recorder.of(orderId).find((event) => event.envelope.eventType === 'OrderPaid')!;

    // 30 event ids inventory consumed 15 days ago (past the 14-day window), and OrderPaid 13 days ago (inside it).
    await system.db.query(
      `INSERT INTO inventory.processed_events (consumer, event_id, event_type, processed_at)
       SELECT 'inventory-service', gen_random_uuid(), 'OrderCreated', now() - interval '15 days' FROM generate_series(1, 30)`,
    );
    await system.db.query(`UPDATE inventory.processed_events SET processed_at = now() - interval '13 days' WHERE event_id = $1`, [paid.envelope.eventId]);
    const prunedBefore = await metricSum('retention_rows_pruned_total', { service: 'inventory-service', table: 'processed_events' });

    const result = await system.inventory.get(RetentionJob).pruneNow();

    expect(result.processed_events).toBe(30);
    expect(await metricSum('retention_rows_pruned_total', { service: 'inventory-service', table: 'processed_events' })).toBe(prunedBefore + 30);
    const { rows } = await system.db.query(
      `SELECT count(*) FILTER (WHERE processed_at < now() - interval '14 days')::int AS old, count(*) FILTER (WHERE event_id = $1)::int AS paid FROM inventory.processed_events`,
      [paid.envelope.eventId],
    );
    expect(rows[0]).toEqual({ old: 0, paid: 1 });

    // OrderPaid delivered again: inside the window, inventory still knows it and sells nothing twice.
    const stockBefore = await system.stock('RET-1');
    const duplicatesBefore = await metricSum('events_duplicate_total', { service: 'inventory-service' });
    const producer = createKafka(`retention-${randomUUID()}`, system.brokers).producer();
    await producer.connect();
    await producer.send({ topic: topicName(paid.topic, system.prefix), acks: -1, messages: [{ key: paid.key, value: JSON.stringify(paid.envelope) }] });
    await producer.disconnect();
    await waitUntil(async () => (await metricSum('events_duplicate_total', { service: 'inventory-service' })) > duplicatesBefore);
    await system.waitUntilQuiet();
    expect(await system.stock('RET-1')).toEqual(stockBefore);
    await system.assertStockConserved();
  });

  it('prunes idempotency keys past their window with the same job', async () => {
    await system.db.query(
      `INSERT INTO gateway.idempotency_keys (user_id, key, fingerprint, state, locked_until, created_at)
       SELECT 'old-user', 'k' || i, 'f', 'COMPLETED', now(), now() - interval '25 hours' FROM generate_series(1, 10) i`,
    );
    const result = await system.gateway.get(RetentionJob).pruneNow();
    expect(result.idempotency_keys).toBe(10);
    const { rows } = await system.db.query("SELECT count(*)::int AS n FROM gateway.idempotency_keys WHERE user_id = 'old-user'");
    expect(rows[0].n).toBe(0);
  });

  it('sets the retention of the saga topics and of their dead-letter twins (create-topics)', async () => {
    await ensureTopics(system.brokers, sagaTopics(system.prefix, 3, { topicHours: 200, deadLetterHours: 720 }));
    const admin = createKafka(`retention-${randomUUID()}`, system.brokers).admin();
    await admin.connect();
    try {
      const described = await admin.describeConfigs({
        includeSynonyms: false,
        resources: [topicName(Topics.OrderEvents, system.prefix), deadLetterTopic(Topics.OrderEvents, system.prefix)].map((name) => ({
          type: ConfigResourceTypes.TOPIC,
          name,
          configNames: ['retention.ms'],
        })),
      });
      const retention = described.resources.map((resource) => [resource.resourceName, resource.configEntries[0]?.configValue]);
      expect(Object.fromEntries(retention)).toEqual({
        [topicName(Topics.OrderEvents, system.prefix)]: String(200 * 3_600_000),
        [deadLetterTopic(Topics.OrderEvents, system.prefix)]: String(720 * 3_600_000),
      });
    } finally {
      await admin.disconnect();
    }
  });

  it('reports the size of every table under retention', async () => {
    const metrics = await request(system.gatewayUrl).get('/metrics');
    expect(metrics.text).toMatch(/retention_table_bytes\{service="order-gateway",table="processed_events"\} [1-9]/);
    expect(metrics.text).toMatch(/retention_table_bytes\{service="order-gateway",table="idempotency_keys"\} [1-9]/);
    expect(metrics.text).toMatch(/retention_table_rows\{service="inventory-service",table="processed_events"\} \d/);
  });
});
