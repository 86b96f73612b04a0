'use strict';
// `npm run build && node bench/relay.js`: the outbox relay's ceiling (events/s) and whether more
// replicas publish more. A scratch database (payment's schema, migrated), N outbox rows of a
// realistic size on a scratch topic prefix of the shared broker, then the built OutboxRelay
// drains them: once with one relay, once with two relays of the same service side by side (as
// two replicas would run). Prints one JSON line per run and writes bench/results/relay-<date>.json.
//   BENCH_RELAY_EVENTS (default 20000), BENCH_RELAY_REPLICAS (default "1,2")
const { writeFileSync, mkdirSync } = require('node:fs');
const { join } = require('node:path');
const { Client } = require('pg');
const { DataSource } = require('typeorm');

const ROOT = join(__dirname, '..');
const platform = require(join(ROOT, 'dist/libs/platform/src/index.js'));
const { paymentMigrations } = require(join(ROOT, 'dist/migrations/payment-service/index.js'));

const EVENTS = Number(process.env.BENCH_RELAY_EVENTS ?? 20_000);
const REPLICAS = (process.env.BENCH_RELAY_REPLICAS ?? '1,2').split(',').map(Number);
const BROKERS = (process.env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(',');
const ADMIN_URL = process.env.BENCH_DATABASE_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const stamp = Date.now().toString(36);
const database = `bench_relay_${stamp}`;
const prefix = `brelay${stamp}.`;
const url = ADMIN_URL.replace(/\/[^/]*$/, `/${database}`);

async function admin(sql) {
  const client = new Client({ connectionString: ADMIN_URL });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

async function fill(db) {
  // ~450-byte values keyed by ~2,000 order ids: the shape of saga events.
  await db.query(
    `INSERT INTO payment.outbox (event_id, topic, message_key, value, headers)
     SELECT gen_random_uuid(), $1, md5((i % 2000)::text), repeat('x', 450), '{"event-type":"PaymentSuccess"}'::jsonb
       FROM generate_series(1, $2) AS i`,
    [`${prefix}payments.events`, EVENTS],
  );
}

async function drain(replicas) {
  const db = new Client({ connectionString: url });
  await db.connect();
  await fill(db);
  const settings = { ...platform.DEFAULT_MESSAGING, service: 'payment-service', brokers: BROKERS, topicPrefix: prefix };
  const sources = [];
  const relays = [];
  for (let index = 0; index < replicas; index++) {
    const source = new DataSource(platform.dataSourceOptions({ url, schema: 'payment', poolSize: 4, applicationName: `bench-relay-${index}`, migrations: [] }));
    await source.initialize();
    sources.push(source);
    relays.push(new platform.OutboxRelay(source, settings));
  }
  const started = process.hrtime.bigint();
  await Promise.all(relays.map((relay) => relay.onApplicationBootstrap()));
  for (;;) {
    const { rows } = await db.query('SELECT count(*)::int AS left FROM payment.outbox');
    if (rows[0].left === 0) break;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  await Promise.all(relays.map((relay) => relay.stop()));
  for (const source of sources) await source.destroy();
  await db.end();
  return { replicas, events: EVENTS, seconds: Math.round(seconds * 100) / 100, eventsPerSecond: Math.round(EVENTS / seconds) };
}

async function main() {
  await admin(`CREATE DATABASE "${database}"`);
  const results = [];
  try {
    await platform.runMigrations({ url, schema: 'payment', service: 'payment-service', migrations: paymentMigrations });
    await platform.ensureTopics(BROKERS, platform.sagaTopics(prefix));
    // One warm-up run (connections, metadata, JIT), not reported.
    await drain(1);
    for (const replicas of REPLICAS) {
      const result = await drain(replicas);
      results.push(result);
      console.log(JSON.stringify(result));
    }
  } finally {
    await platform.deleteTopics(BROKERS, platform.sagaTopics(prefix).map((spec) => spec.topic)).catch(() => undefined);
    await admin(`DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`);
  }
  mkdirSync(join(ROOT, 'bench/results'), { recursive: true });
  const file = join(ROOT, 'bench/results', `relay-${new Date().toISOString().slice(0, 10)}.json`);
  writeFileSync(file, `${JSON.stringify({ at: new Date().toISOString(), brokers: BROKERS, results }, null, 2)}\n`);
  console.log(`written ${file}`);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
