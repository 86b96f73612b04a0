'use strict';
// The "minimal pipeline" bare limit of the settle path (issue 17): a short hand-written
// kafkajs + pg program — no Nest, no validation, no Redis, no tracing — that moves each order
// through the same six consumed hops as the saga (OrderCreated → inventory, OrderReserved →
// gateway and → payment, PaymentSuccess → gateway, OrderPaid → inventory, StockCommitted →
// gateway) with the same batching and durability as the services:
//   per lane batch (kafkajs eachBatch, 6 partitions, partitions consumed concurrently):
//   BEGIN; inbox rows for the batch in one INSERT … ON CONFLICT DO NOTHING RETURNING; one effect
//   row per new order in one statement; one outbox row per emitted event in one statement;
//   COMMIT (synchronous_commit on, fsync); then produce the outbox rows (acks=all, idempotent
//   producer), delete them, and only then commit the Kafka offsets.
// The settle rate of the saga reads as a fraction of what this machine can do at that durability.
const { Kafka, logLevel, Partitioners } = require('kafkajs');
const { Pool } = require('pg');
const { randomUUID } = require('node:crypto');
const { adminQuery, PG, round, sleep } = require('./stack');

/** hop i consumes topic i and (except the last) emits to topic i + 1. */
const HOPS = ['OrderCreated', 'OrderReserved.gateway', 'OrderReserved.payment', 'PaymentSuccess', 'OrderPaid', 'StockCommitted'];

async function minimalPipeline({ brokers, prefix, orders = 20_000, partitions = 6, progress = () => {} }) {
  const database = `${prefix.replace(/\W/g, '_')}minimal`;
  await adminQuery(`CREATE DATABASE "${database}"`);
  const db = new Pool({ connectionString: `${PG}/${database}`, max: 12 });
  // An idle client cut by DROP DATABASE … WITH (FORCE) at the end is not a failure of the run.
  db.on('error', () => undefined);
  const kafka = new Kafka({ clientId: 'bench-minimal', brokers, logLevel: logLevel.NOTHING });
  const topics = HOPS.map((_, index) => `${prefix}minimal.h${index}`);
  const admin = kafka.admin();
  const consumers = [];
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false, createPartitioner: Partitioners.DefaultPartitioner });
  try {
    await db.query(`
      CREATE TABLE inbox (consumer text NOT NULL, event_id uuid NOT NULL, processed_at timestamptz NOT NULL DEFAULT now(), PRIMARY KEY (consumer, event_id));
      CREATE TABLE effects (order_id uuid NOT NULL, hop int NOT NULL, at timestamptz NOT NULL DEFAULT now(), PRIMARY KEY (order_id, hop));
      CREATE TABLE outbox (id bigserial PRIMARY KEY, event_id uuid NOT NULL UNIQUE, topic text NOT NULL, message_key text NOT NULL, value text NOT NULL);`);
    await admin.connect();
    await admin.createTopics({ waitForLeaders: true, topics: topics.map((topic) => ({ topic, numPartitions: partitions, replicationFactor: 1 })) });
    await producer.connect();

    // The backlog: every order's first event already accepted, as after a burst of intake.
    progress(`minimal pipeline: producing ${orders} orders`);
    for (let sent = 0; sent < orders; sent += 1000) {
      const messages = Array.from({ length: Math.min(1000, orders - sent) }, () => {
        const orderId = randomUUID();
        return { key: orderId, value: JSON.stringify({ eventId: randomUUID(), orderId, eventType: HOPS[0] }) };
      });
      await producer.send({ topic: topics[0], acks: -1, messages });
    }

    let done = 0;
    let finished;
    const allDone = new Promise((resolve) => (finished = resolve));
    // Clocks start at the first batch of the first hop; the later hops join their groups first.
    let cpu0 = null;
    let t0 = 0;
    for (const [hop, topic] of [...topics.entries()].reverse()) {
      const consumer = kafka.consumer({ groupId: `${topic}.group`, allowAutoTopicCreation: false, maxWaitTimeInMs: 100 });
      consumers.push(consumer);
      await consumer.connect();
      await consumer.subscribe({ topics: [topic], fromBeginning: true });
      const next = topics[hop + 1];
      await consumer.run({
        partitionsConsumedConcurrently: partitions,
        eachBatchAutoResolve: false,
        eachBatch: async ({ batch, resolveOffset, commitOffsetsIfNecessary }) => {
          if (batch.messages.length === 0) return;
          if (cpu0 === null) {
            cpu0 = process.cpuUsage();
            t0 = performance.now();
          }
          const events = batch.messages.map((message) => JSON.parse(message.value.toString()));
          const client = await db.connect();
          let published = [];
          try {
            await client.query('BEGIN');
            const fresh = await client.query({
              name: 'inbox',
              text: 'INSERT INTO inbox (consumer, event_id) SELECT $1, unnest($2::uuid[]) ON CONFLICT DO NOTHING RETURNING event_id',
              values: [HOPS[hop], events.map((event) => event.eventId)],
            });
            const isNew = new Set(fresh.rows.map((row) => row.event_id));
            const todo = events.filter((event) => isNew.has(event.eventId));
            await client.query({
              name: 'effect',
              text: 'INSERT INTO effects (order_id, hop) SELECT unnest($1::uuid[]), $2 ON CONFLICT DO NOTHING',
              values: [todo.map((event) => event.orderId), hop],
            });
            if (next && todo.length > 0) {
              const emitted = todo.map((event) => ({ eventId: randomUUID(), orderId: event.orderId, eventType: HOPS[hop + 1] }));
              const rows = await client.query({
                name: 'outbox',
                text: 'INSERT INTO outbox (event_id, topic, message_key, value) SELECT unnest($1::uuid[]), $2, unnest($3::text[]), unnest($4::text[]) RETURNING id',
                values: [emitted.map((event) => event.eventId), next, emitted.map((event) => event.orderId), emitted.map((event) => JSON.stringify(event))],
              });
              published = { ids: rows.rows.map((row) => row.id), emitted };
            }
            await client.query('COMMIT');
          } catch (error) {
            await client.query('ROLLBACK').catch(() => undefined);
            throw error;
          } finally {
            client.release();
          }
          if (published.ids) {
            await producer.send({ topic: next, acks: -1, messages: published.emitted.map((event) => ({ key: event.orderId, value: JSON.stringify(event) })) });
            await db.query({ name: 'outbox-delete', text: 'DELETE FROM outbox WHERE id = ANY($1::bigint[])', values: [published.ids] });
          }
          resolveOffset(batch.messages[batch.messages.length - 1].offset);
          await commitOffsetsIfNecessary();
          if (!next) {
            done += events.length;
            progress(`minimal pipeline: ${done}/${orders} orders through ${HOPS.length} hops`);
            if (done >= orders) finished();
          }
        },
      });
    }
    const timeout = sleep(300_000).then(() => 'timeout');
    const outcome = await Promise.race([allDone.then(() => 'done'), timeout]);
    const seconds = (performance.now() - t0) / 1000;
    const cpu = process.cpuUsage(cpu0);
    return {
      orders,
      hops: HOPS.length,
      completed: done,
      ok: outcome === 'done',
      seconds: round(seconds, 2),
      ordersPerSecond: round(done / seconds, 0),
      // The whole program (six consumers and the producer) in this one Node process.
      nodeCpuMsPerOrder: round((cpu.user + cpu.system) / 1000 / Math.max(1, done), 3),
    };
  } finally {
    await Promise.all(consumers.map((consumer) => consumer.disconnect().catch(() => undefined)));
    await producer.disconnect().catch(() => undefined);
    await admin.deleteTopics({ topics }).catch(() => undefined);
    await admin.disconnect().catch(() => undefined);
    await db.end().catch(() => undefined);
    await adminQuery(`DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`).catch(() => undefined);
  }
}

module.exports = { minimalPipeline };
