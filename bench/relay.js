'use strict';
// `npm run build && node bench/relay.js`: the outbox relay's ceiling (events/s) and whether more
// replicas publish more. A scratch database (payment's schema, migrated) and a scratch topic
// prefix on the shared broker; each run starts its relays as separate processes (as replicas
// run), lets them warm up on a small backlog, then writes N outbox rows of a realistic size in
// one commit and times until the relays have drained them. Four designs, in interleaved rounds
// (each round in a rotated order) so that every design meets the same machine load:
//   single-lock x1  the relay before issue 15's shards: one advisory lock per service, so one
//                   relay publishes at a time (its publishBatch, kept verbatim below)
//   single-lock-count-1s x1  the same, with its backlog counted at most once a second as the
//                   sharded relay does (the count of a deep backlog is a scan): isolates the shards' cost
//   sharded x1      today's OutboxRelay alone: it holds every shard, one batch per poll as before
//   sharded x2      two OutboxRelay processes, about half of the shards each
// Prints one JSON line per run and writes bench/results/relay-<timestamp>.json.
//   BENCH_RELAY_EVENTS (default 20000), BENCH_RELAY_ROUNDS (default 5),
//   BENCH_RELAY_DESIGNS (default "single-lock:1,single-lock-count-1s:1,sharded:1,sharded:2")
const { fork } = require('node:child_process');
const { readFileSync, writeFileSync, mkdirSync } = require('node:fs');
const { cpus, loadavg } = require('node:os');
const { join } = require('node:path');
const { CompressionTypes } = require('kafkajs');
const { Client } = require('pg');
const { DataSource } = require('typeorm');
const { median } = require('./lib/stats');

const ROOT = join(__dirname, '..');
// The platform libraries this script uses, as one namespace.
const platform = { ...require(join(ROOT, 'dist/libs/platform/database/src/index.js')), ...require(join(ROOT, 'dist/libs/platform/messaging/src/index.js')), ...require(join(ROOT, 'dist/libs/platform/observability/src/index.js')) };

const EVENTS = Number(process.env.BENCH_RELAY_EVENTS ?? 20_000);
const WARM_UP_EVENTS = 2_000;
const ROUNDS = Number(process.env.BENCH_RELAY_ROUNDS ?? 5);
const DESIGNS = (process.env.BENCH_RELAY_DESIGNS ?? 'single-lock:1,single-lock-count-1s:1,sharded:1,sharded:2').split(',').map((entry) => {
  const [design, relays] = entry.split(':');
  return { design, relays: Number(relays) };
});
const BROKERS = (process.env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(',');
const ADMIN_URL = process.env.BENCH_DATABASE_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
// Relays poll this often when idle (production: 250 ms) so a run's start is not a poll interval
// late; a relay with a full batch behind it does not wait at all, in every design.
const POLL_MS = 10;

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

async function waitUntil(what, check, timeoutMs = 120_000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`not in ${timeoutMs} ms: ${what}`);
    await sleep(10);
  }
}

const load = () => loadavg().map((value) => Math.round(value * 100) / 100);
const round3 = (value) => Math.round(value * 1000) / 1000;

/** Jiffies of all cores since boot, busy and total (/proc/stat: idle and iowait are not busy). */
function machineCpu() {
  const [, ...fields] = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/);
  const values = fields.map(Number);
  const total = values.slice(0, 8).reduce((a, b) => a + b, 0);
  return { total, busy: total - values[3] - values[4] };
}

/**
 * The relay as it was before the shards (main at 23f8ce9): one lock per service, whole outbox.
 * `countEveryBatch` false: the one change the sharded relay also brought, the backlog counted at
 * most once a second, so that the comparison shows what the shards themselves cost.
 */
class SingleLockRelay extends platform.OutboxRelay {
  constructor(source, settings, countEveryBatch) {
    super(source, settings);
    this.countEveryBatch = countEveryBatch;
    this.backlogCountedAt = 0;
  }

  async publishBatch() {
    if (!this.producer) return 0;
    const producer = this.producer;
    const service = { service: this.settings.service };
    return this.dataSource.transaction(async (manager) => {
      const [{ locked }] = await manager.query('SELECT pg_try_advisory_xact_lock($1) AS locked', [this.serviceLockKey]);
      if (!locked) return 0;
      const rows = await manager.query(
        'SELECT id, topic, message_key, value, headers, EXTRACT(EPOCH FROM now() - created_at)::float AS age_seconds FROM outbox ORDER BY id LIMIT $1',
        [this.settings.outboxBatchSize],
      );
      gauges.oldestAge.set(service, rows[0]?.age_seconds ?? 0);
      if (rows.length < this.settings.outboxBatchSize) {
        gauges.backlog.set(service, rows.length);
      } else if (this.countEveryBatch || Date.now() - this.backlogCountedAt >= 1_000) {
        const [{ count }] = await manager.query('SELECT count(*) AS count FROM outbox');
        gauges.backlog.set(service, Number(count));
        this.backlogCountedAt = Date.now();
      }
      if (rows.length === 0) return 0;
      const byTopic = new Map();
      for (const row of rows) {
        const messages = byTopic.get(row.topic) ?? [];
        messages.push({ key: row.message_key, value: row.value, headers: row.headers });
        byTopic.set(row.topic, messages);
      }
      await platform.sendBatchTraced(producer, this.settings.service, {
        acks: -1,
        compression: CompressionTypes.None,
        topicMessages: [...byTopic].map(([topic, messages]) => ({ topic, messages })),
      });
      await manager.query('DELETE FROM outbox WHERE id = ANY($1::bigint[])', [rows.map((row) => row.id)]);
      gauges.published.inc(service, rows.length);
      return rows.length;
    });
  }
}

// The relay's own metrics, found by name in the registry (get-or-create), as the old code updated them.
const gauges = {
  backlog: platform.gauge({ name: 'outbox_backlog', help: 'see outbox.relay.ts', labelNames: ['service'] }),
  oldestAge: platform.gauge({ name: 'outbox_oldest_age_seconds', help: 'see outbox.relay.ts', labelNames: ['service'] }),
  published: platform.counter({ name: 'outbox_published_total', help: 'see outbox.relay.ts', labelNames: ['service'] }),
};

/** A child process: one relay of the payment service, started, reporting its shards, stopped on request. */
async function relayProcess({ url, prefix, design, index }) {
  const source = new DataSource(platform.dataSourceOptions({ url, schema: 'payment', poolSize: 4, applicationName: `bench-relay-${index}`, migrations: [] }));
  await source.initialize();
  const settings = { ...platform.DEFAULT_MESSAGING, service: 'payment-service', brokers: BROKERS, topicPrefix: prefix, outboxPollMs: POLL_MS };
  const relay = design === 'sharded' ? new platform.OutboxRelay(source, settings) : new SingleLockRelay(source, settings, design === 'single-lock');
  await relay.onApplicationBootstrap();
  const report = setInterval(() => process.send({ shards: relay.ownedShards().length }), 50);
  let cpuAtMark = process.cpuUsage();
  process.on('message', async (message) => {
    if (message === 'mark') cpuAtMark = process.cpuUsage();
    if (message !== 'drained') return;
    const cpu = process.cpuUsage(cpuAtMark);
    clearInterval(report);
    await relay.stop();
    await source.destroy();
    process.send({ stopped: true, cpuSeconds: (cpu.user + cpu.system) / 1e6 }, () => process.exit(0));
  });
}

function startRelay(options) {
  const child = fork(__filename, [], { env: { ...process.env, BENCH_RELAY_PROCESS: JSON.stringify(options) } });
  const relay = { child, shards: 0, stopped: new Promise((resolve) => child.on('message', (message) => message.stopped && resolve(message.cpuSeconds))) };
  child.on('message', (message) => {
    if (message.shards !== undefined) relay.shards = message.shards;
  });
  child.on('exit', (code) => code && console.error(`relay process ${options.index} exited with ${code}`));
  return relay;
}

/** Tells each relay process once that the run is over; resolves to their CPU seconds since 'mark'. */
function stopRelays(relays) {
  for (const relay of relays) {
    if (relay.told) continue;
    relay.told = true;
    relay.child.send('drained');
  }
  return Promise.all(relays.map((relay) => relay.stopped));
}

/** Rows of ~450 bytes keyed by ~2,000 order ids, in one commit: the shape of saga events. */
async function fill(db, prefix, events) {
  await db.query(
    `INSERT INTO payment.outbox (event_id, topic, message_key, value, headers)
     SELECT gen_random_uuid(), $1, md5((i % 2000)::text), repeat('x', 450), '{"event-type":"PaymentSuccess"}'::jsonb
       FROM generate_series(1, $2) AS i`,
    [`${prefix}payments.events`, events],
  );
}

function drained(db) {
  return waitUntil('outbox drained', async () => (await db.query('SELECT count(*)::int AS left FROM payment.outbox')).rows[0].left === 0);
}

async function run(url, prefix, { design, relays: count }, round) {
  const db = new Client({ connectionString: url });
  await db.connect();
  // Nothing left from an earlier run: no relay that did not leave (it would still hold shards),
  // no dead rows of the earlier drains for this run's scans to step over.
  await db.query('DELETE FROM payment.outbox_relays');
  await db.query('VACUUM payment.outbox');
  const relays = Array.from({ length: count }, (_, index) => startRelay({ url, prefix, design, index }));
  try {
    // Sharded relays first see each other and deal the shards (each with a share, together all).
    if (design === 'sharded') {
      await waitUntil('shards dealt', async () => {
        const shares = relays.map((relay) => relay.shards);
        return shares.every((share) => share > 0) && shares.reduce((a, b) => a + b, 0) === platform.OUTBOX_SHARDS;
      });
    }
    await fill(db, prefix, WARM_UP_EVENTS);
    await drained(db);
    for (const relay of relays) relay.child.send('mark');
    await fill(db, prefix, EVENTS);
    const started = process.hrtime.bigint();
    const cpuBefore = machineCpu();
    await drained(db);
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    const cpuAfter = machineCpu();
    const relayCpuSeconds = (await stopRelays(relays)).reduce((sum, cpu) => sum + cpu, 0);
    return {
      round,
      design,
      relays: count,
      events: EVENTS,
      seconds: round3(seconds),
      eventsPerSecond: Math.round(EVENTS / seconds),
      // Busy share of all cores while draining, and how much of it the relay processes used (cores).
      machineBusy: round3((cpuAfter.busy - cpuBefore.busy) / (cpuAfter.total - cpuBefore.total)),
      relayCores: round3(relayCpuSeconds / seconds),
      load: load(),
    };
  } finally {
    await stopRelays(relays);
    await db.end();
  }
}

async function main() {
  const stamp = Date.now().toString(36);
  const database = `bench_relay_${stamp}`;
  const prefix = `brelay${stamp}.`;
  const url = ADMIN_URL.replace(/\/[^/]*$/, `/${database}`);
  const admin = async (sql) => {
    const client = new Client({ connectionString: ADMIN_URL });
    await client.connect();
    await client.query(sql).finally(() => client.end());
  };
  const { paymentMigrations } = require(join(ROOT, 'dist/migrations/payment-service/index.js'));
  const loadBefore = load();
  await admin(`CREATE DATABASE "${database}"`);
  const runs = [];
  try {
    await platform.runMigrations({ url, schema: 'payment', service: 'payment-service', migrations: paymentMigrations });
    await platform.ensureTopics(BROKERS, platform.sagaTopics(prefix));
    for (let round = 1; round <= ROUNDS; round++) {
      // Each round starts with another design, so that none always runs right after the same one.
      const order = DESIGNS.map((_, index) => DESIGNS[(index + round - 1) % DESIGNS.length]);
      for (const design of order) {
        const result = await run(url, prefix, design, round);
        runs.push(result);
        console.log(JSON.stringify(result));
      }
    }
  } finally {
    await platform
      .deleteTopics(
        BROKERS,
        platform.sagaTopics(prefix).map((spec) => spec.topic),
      )
      .catch(() => undefined);
    await admin(`DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`);
  }
  const summary = DESIGNS.map(({ design, relays }) => {
    const same = runs.filter((run) => run.design === design && run.relays === relays);
    const rates = same.map((run) => run.eventsPerSecond);
    return {
      design,
      relays,
      medianEventsPerSecond: median(rates),
      min: Math.min(...rates),
      max: Math.max(...rates),
      medianMachineBusy: median(same.map((run) => run.machineBusy)),
      medianRelayCores: median(same.map((run) => run.relayCores)),
    };
  });
  for (const line of summary) console.log(JSON.stringify(line));
  const at = new Date().toISOString();
  const file = join(ROOT, 'bench/results', `relay-${at.replace(/[:.]/g, '-')}.json`);
  mkdirSync(join(ROOT, 'bench/results'), { recursive: true });
  const machine = { cpus: cpus().length, loadBefore, loadAfter: load() };
  writeFileSync(file, `${JSON.stringify({ at, brokers: BROKERS, events: EVENTS, rounds: ROUNDS, machine, summary, runs }, null, 2)}\n`);
  console.log(`written ${file}`);
}

if (process.env.BENCH_RELAY_PROCESS) {
  relayProcess(JSON.parse(process.env.BENCH_RELAY_PROCESS)).catch((error) => {
    console.error(error);
    process.exit(1);
  });
} else {
  main().catch((error) => {
    console.error(error);
    process.exit(1);
  });
}
