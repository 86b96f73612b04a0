import { sagaTopics } from '@orders/platform-messaging';
import { PrivateKafkaCluster } from '../support/private-kafka-cluster';
import { TestSystem } from '../support/system';

/**
 * One broker of a three-broker cluster dies (SIGKILL) mid-flow: the one leading the most
 * saga partitions. With replication factor 3, min.insync.replicas=2 and acks=all, the other
 * two take over its partitions: every order reaches its terminal state, no event is lost or
 * applied twice, stock is conserved. Then the broker comes back and catches up (full ISR).
 */
describe('a Kafka broker killed in a three-broker cluster', () => {
  let cluster: PrivateKafkaCluster;
  let system: TestSystem;

  beforeAll(async () => {
    cluster = await PrivateKafkaCluster.start();
    system = await TestSystem.start({ brokers: cluster.bootstrap, topicReplication: { factor: 3, minInsyncReplicas: 2 } });
    await system.createProduct({ sku: 'CLUSTER-KIT', priceCents: 900, initialStock: 100 });
  }, 240_000);

  afterAll(async () => {
    await system?.stop();
    await cluster?.destroy();
  }, 120_000);

  it('keeps every order, once, while the busiest leader is down, and heals when it returns', async () => {
    const topics = sagaTopics(system.prefix).map((spec) => spec.topic);
    const accepted: Array<{ id: string; method: string }> = [];
    let userCount = 0;
    const placeBatch = async (count: number) => {
      const methods = Array.from({ length: count }, (_, index) => (index % 4 === 3 ? 'pm_card_declined' : 'pm_card_ok'));
      const responses = await Promise.all(
        methods.map((method) => system.placeOrder(`cluster-user-${++userCount}`, { items: [{ sku: 'CLUSTER-KIT', quantity: 1 }], paymentMethod: method })),
      );
      responses.forEach((response, index) => {
        expect(response.status).toBe(202);
        accepted.push({ id: response.body.id, method: methods[index] });
      });
    };

    const { leaders } = await cluster.leadership(topics);
    const [busiest] = [...leaders.entries()].sort((a, b) => b[1] - a[1])[0];
    await placeBatch(12);
    cluster.killNode(busiest);
    for (let round = 0; round < 3; round++) await placeBatch(8);

    const orders = await system
      .waitForTerminal(
        accepted.map((order) => order.id),
        90_000,
      )
      .catch(async (error: unknown) => {
        const { rows } = await system.db.query(
          `SELECT (SELECT count(*) FROM gateway.outbox) AS gateway, (SELECT count(*) FROM inventory.outbox) AS inventory, (SELECT count(*) FROM payment.outbox) AS payment`,
        );
        const { rows: open } = await system.db.query(
          `SELECT o.id, o.status, (SELECT json_agg(r.state) FROM inventory.reservations r WHERE r.order_id = o.id) AS reservations,
                  (SELECT json_agg(p.status) FROM payment.payments p WHERE p.order_id = o.id) AS payments
             FROM gateway.orders o WHERE o.status NOT IN ('CONFIRMED', 'CANCELLED')`,
        );
        const seen = open.map((order) => ({ ...order, events: system.recorder.typesOf(order.id) }));
        throw new Error(`${(error as Error).message}; unpublished events: ${JSON.stringify(rows[0])}; open orders: ${JSON.stringify(seen)}`);
      });
    const byId = new Map(orders.map((order) => [order.id, order]));
    for (const { id, method } of accepted) {
      const steps = byId.get(id)!.history.map((step) => step.status);
      expect({ id, steps }).toEqual({
        id,
        steps: method === 'pm_card_ok' ? ['CREATED', 'RESERVED', 'PAID', 'CONFIRMED'] : ['CREATED', 'RESERVED', 'CANCELLED'],
      });
    }
    await system.waitUntilQuiet(60_000);
    const confirmed = accepted.filter((order) => order.method === 'pm_card_ok').length;
    expect(await system.stock('CLUSTER-KIT')).toEqual({ available: 100 - confirmed, reserved: 0, sold: confirmed, adjusted: 0 });
    const { rows: doubled } = await system.db.query('SELECT order_id FROM payment.payments GROUP BY order_id HAVING count(*) > 1');
    expect(doubled).toEqual([]);
    await system.assertStockConserved();

    // The broker returns and catches up: every partition has its three replicas in sync again.
    await cluster.start();
    // A broker that just restarted answers metadata requests before it knows every topic.
    const underReplicated = () =>
      cluster.leadership(topics).then(
        (state) => state.underReplicated,
        () => Number.POSITIVE_INFINITY,
      );
    const healedBy = Date.now() + 120_000;
    let healed = await underReplicated();
    while (healed > 0 && Date.now() < healedBy) {
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      healed = await underReplicated();
    }
    expect(healed).toBe(0);
    console.log(
      `kafka-broker-failure: broker ${busiest} led ${leaders.get(busiest)} partitions and was killed; ${accepted.length} orders, ${confirmed} confirmed, duplicates 0, stock delta 0; healed`,
    );
  }, 420_000);
});
