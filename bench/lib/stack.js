'use strict';
// An isolated copy of the platform for the benchmark: its own database, topic prefix,
// Redis key prefix and ports, the three services started as child processes from dist/.
const { spawn, execFileSync } = require('node:child_process');
const { createWriteStream, mkdirSync, readFileSync, readdirSync, existsSync } = require('node:fs');
const { join } = require('node:path');
const { createServer } = require('node:net');
const { Client, Pool } = require('pg');
const { sign } = require('jsonwebtoken');

const ROOT = join(__dirname, '../..');
const LOG_DIR = join(ROOT, '.local/bench-logs');
// The checkout whose dist/ the services run from (default: this one). Lets a run measure a
// clean build while the shared working tree holds other people's unfinished edits.
const APP_ROOT = process.env.BENCH_APP_ROOT ?? ROOT;
const SECRET = 'dev-only-secret-change-me';
const PG = process.env.BENCH_PG_URL ?? 'postgres://postgres@127.0.0.1:5432';
const BROKERS = process.env.BENCH_KAFKA_BROKERS ?? '127.0.0.1:9092';
const REDIS_URL = process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379';

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

function token(userId, roles = [], expiresIn = 3600) {
  return sign({ sub: userId, roles }, SECRET, { algorithm: 'HS256', expiresIn });
}

async function adminQuery(sql, database = 'postgres') {
  const client = new Client({ connectionString: `${PG}/${database}` });
  await client.connect();
  try {
    return await client.query(sql);
  } finally {
    await client.end();
  }
}

class ServiceProcess {
  /** `name`: names the log file (default: the service). */
  constructor(service, port, env, execArgv = [], root = ROOT, name = service) {
    Object.assign(this, { service, port, env, execArgv, root, name });
    this.url = `http://127.0.0.1:${port}`;
    this.child = null;
  }

  /** Another process of this service on the same port and environment (HTTP_REUSE_PORT=true lets them share it). */
  sibling(name) {
    return new ServiceProcess(this.service, this.port, this.env, this.execArgv, this.root, name);
  }

  async start() {
    const main = join(this.root, 'dist/apps', this.service, 'src/main.js');
    if (!existsSync(main)) throw new Error(`${main} missing: run npm run build`);
    mkdirSync(LOG_DIR, { recursive: true });
    this.logFile = join(LOG_DIR, `${this.env.KAFKA_TOPIC_PREFIX}${this.name}.log`);
    const log = createWriteStream(this.logFile, { flags: 'a' });
    this.child = spawn(process.execPath, [...this.execArgv, main], {
      cwd: this.root,
      env: { PATH: process.env.PATH ?? '', ...this.env, PORT: String(this.port) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child.stdout.pipe(log);
    this.child.stderr.pipe(log);
    this.exited = new Promise((resolve) => this.child.once('exit', resolve));
    const deadline = Date.now() + 60_000;
    for (;;) {
      if (this.child.exitCode !== null) throw new Error(`${this.service} exited during start-up (see ${this.logFile})`);
      try {
        const response = await fetch(`${this.url}/ready`);
        if (response.status === 200) return;
      } catch {
        /* not listening yet */
      }
      if (Date.now() > deadline) throw new Error(`${this.service} not ready (see ${this.logFile})`);
      await sleep(200);
    }
  }

  get pid() {
    return this.child?.pid;
  }

  async stop(signal = 'SIGTERM') {
    if (!this.child || this.child.exitCode !== null) return;
    this.child.kill(signal);
    const timer = setTimeout(() => this.child?.kill('SIGKILL'), 20_000);
    await this.exited;
    clearTimeout(timer);
    this.child = null;
  }
}

/** IPv4 sockets listening on `port` on this host, from /proc/net/tcp (one per process sharing it). */
function listeningSockets(port) {
  const hexPort = port.toString(16).toUpperCase().padStart(4, '0');
  return readFileSync('/proc/net/tcp', 'utf8')
    .split('\n')
    .slice(1)
    .map((line) => line.trim().split(/\s+/))
    .filter(([, local, , state]) => local?.endsWith(`:${hexPort}`) && state === '0A').length;
}

/** RSS (MiB) and CPU seconds of a process, from /proc. */
function processStats(pid) {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const rssKb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(fields[11]) + Number(fields[12]);
    return { rssMiB: rssKb / 1024, cpuSeconds: ticks / 100 };
  } catch {
    return null;
  }
}

/** Samples RSS and CPU of named pids every `everyMs` until stopped. */
function sampleProcesses(pids, everyMs = 500) {
  const peaks = {};
  const start = {};
  for (const [name, pid] of Object.entries(pids)) {
    const stats = processStats(pid);
    start[name] = stats?.cpuSeconds ?? 0;
    peaks[name] = stats?.rssMiB ?? 0;
  }
  const began = Date.now();
  const timer = setInterval(() => {
    for (const [name, pid] of Object.entries(pids)) {
      const stats = processStats(pid);
      if (stats) peaks[name] = Math.max(peaks[name], stats.rssMiB);
    }
  }, everyMs);
  return () => {
    clearInterval(timer);
    const seconds = (Date.now() - began) / 1000;
    const result = {};
    for (const [name, pid] of Object.entries(pids)) {
      const stats = processStats(pid);
      const cpuSeconds = (stats?.cpuSeconds ?? 0) - start[name];
      result[name] = { peakRssMiB: round(Math.max(peaks[name], stats?.rssMiB ?? 0)), rssEndMiB: round(stats?.rssMiB ?? 0), cpuPercent: round((100 * cpuSeconds) / seconds), cpuSeconds: round(cpuSeconds, 2) };
    }
    return result;
  };
}

const round = (value, digits = 1) => Math.round(value * 10 ** digits) / 10 ** digits;

/** pids of the shared infrastructure, to record their CPU share during a run. */
function infraPids() {
  const pids = {};
  const find = (pattern) => {
    try {
      return execFileSync('pgrep', ['-o', '-f', pattern], { encoding: 'utf8' }).trim().split('\n')[0];
    } catch {
      return undefined;
    }
  };
  const postgres = find('postgres.*-D|/usr/lib/postgresql');
  const redis = find('redis-server 127.0.0.1:6379|redis-server.*:6379');
  const kafka = find('kafka.Kafka|kafka-local|KafkaRaftServer');
  if (postgres) pids.postgres = Number(postgres);
  if (redis) pids.redis = Number(redis);
  if (kafka) pids.kafka = Number(kafka);
  return pids;
}

/** utime, stime, cutime, cstime of a pid from /proc (clock ticks), or null if it is gone. */
function cpuTicks(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return { ppid: Number(fields[1]), own: Number(fields[11]) + Number(fields[12]), reaped: Number(fields[13]) + Number(fields[14]) };
  } catch {
    return null;
  }
}

/**
 * CPU seconds of PostgreSQL as a whole: the postmaster, its live children (one backend per
 * connection, plus the background processes) and the children it has already reaped, whose CPU
 * the kernel adds to the postmaster's cutime/cstime. Counting live backends alone (ps -C
 * postgres) went backwards whenever a backend exited between two samples.
 */
function postgresCpuSeconds() {
  const postmaster = infraPids().postgres;
  const root = postmaster && cpuTicks(postmaster);
  if (!root) return 0;
  let ticks = root.own + root.reaped;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const child = cpuTicks(entry);
    if (child && child.ppid === postmaster) ticks += child.own;
  }
  return ticks / 100;
}

class BenchStack {
  /** `root`: the checkout whose dist/ runs (another build of the code, for before/after runs). */
  constructor({ name, env = {}, gateway = {}, inventory = {}, payment = {}, execArgv = {}, root = APP_ROOT }) {
    const suffix = `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;
    this.name = name;
    this.prefix = `bench${suffix}.`;
    this.database = `bench_${suffix}`;
    this.databaseUrl = `${PG}/${this.database}`;
    this.root = root;
    this.options = { env, gateway, inventory, payment, execArgv };
    this.processes = {};
  }

  baseEnv() {
    return {
      NODE_ENV: 'production',
      AUTH_JWT_SECRET: SECRET + '-bench-only',
      LOG_LEVEL: 'warn',
      DATABASE_URL: this.databaseUrl,
      DB_POOL_SIZE: '10',
      REDIS_URL,
      REDIS_KEY_PREFIX: this.prefix,
      KAFKA_BROKERS: BROKERS,
      KAFKA_TOPIC_PREFIX: this.prefix,
      RATE_LIMIT_ORDERS_PER_MINUTE: '1000000',
      PAYMENT_DELAY_MIN_MS: '0',
      PAYMENT_DELAY_MAX_MS: '0',
      ...this.options.env,
    };
  }

  async start() {
    await adminQuery(`CREATE DATABASE "${this.database}"`);
    const env = { ...process.env, DATABASE_URL: this.databaseUrl, KAFKA_TOPIC_PREFIX: this.prefix, KAFKA_BROKERS: BROKERS, LOG_LEVEL: 'warn' };
    for (const service of ['order-gateway', 'inventory-service', 'payment-service']) {
      execFileSync(process.execPath, [join(this.root, 'dist/apps', service, 'src/migrate.js')], { cwd: this.root, env, stdio: 'pipe' });
    }
    execFileSync(process.execPath, [join(this.root, 'dist/tools/create-topics.js')], { cwd: this.root, env, stdio: 'pipe' });
    const [gatewayPort, inventoryPort, paymentPort] = [await freePort(), await freePort(), await freePort()];
    const base = this.baseEnv();
    // The bench signs its tokens with the dev secret; production mode refuses it, so the
    // services run with NODE_ENV=production (no dev conveniences) and a bench-only secret.
    this.secret = base.AUTH_JWT_SECRET;
    const argv = this.options.execArgv;
    this.processes.inventory = new ServiceProcess('inventory-service', inventoryPort, { ...base, ...this.options.inventory }, argv.inventory, this.root);
    this.processes.payment = new ServiceProcess('payment-service', paymentPort, { ...base, ...this.options.payment }, argv.payment, this.root);
    this.processes.gateway = new ServiceProcess('order-gateway', gatewayPort, { ...base, INVENTORY_URL: `http://127.0.0.1:${inventoryPort}`, ...this.options.gateway }, argv.gateway, this.root);
    await Promise.all(Object.values(this.processes).map((child) => child.start()));
    this.gatewayUrl = this.processes.gateway.url;
    this.db = new Pool({ connectionString: this.databaseUrl, max: 3 });
    return this;
  }

  token(userId, roles = []) {
    return sign({ sub: userId, roles }, this.secret, { algorithm: 'HS256', expiresIn: 3600 });
  }

  pids() {
    return Object.fromEntries(Object.entries(this.processes).map(([name, child]) => [name, child.pid]));
  }

  async createProduct(sku, initialStock, priceCents = 1000) {
    const response = await fetch(`${this.gatewayUrl}/admin/products`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${this.token('bench-admin', ['admin'])}` },
      body: JSON.stringify({ sku, name: `Bench ${sku}`, priceCents, initialStock }),
    });
    if (response.status !== 201) throw new Error(`create product ${sku}: ${response.status} ${await response.text()}`);
    // The gateway prices orders from its catalog copy, fed over Kafka: wait for it.
    for (let i = 0; i < 200; i++) {
      const { rows } = await this.db.query('SELECT 1 FROM gateway.catalog_products WHERE sku = $1', [sku]);
      if (rows.length) return;
      await sleep(100);
    }
    throw new Error(`catalog copy of ${sku} never arrived`);
  }

  /** Waits until every order created since `since` is terminal (or the deadline). */
  async waitTerminal(since, expected, timeoutMs = 120_000, onProgress = () => {}) {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const { rows } = await this.db.query(
        `SELECT count(*)::int AS total, count(*) FILTER (WHERE status IN ('CONFIRMED','CANCELLED'))::int AS terminal FROM gateway.orders WHERE created_at >= $1`,
        [since],
      );
      onProgress(rows[0]);
      if (rows[0].total >= expected && rows[0].terminal === rows[0].total) return { ok: true, ...rows[0] };
      if (Date.now() > deadline) return { ok: false, ...rows[0] };
      await sleep(250);
    }
  }

  /** Accepted-to-terminal latency of the orders created since `since`, from the orders' own history. */
  async settleStats(since) {
    const { rows } = await this.db.query(
      `WITH t AS (
         SELECT o.created_at, (SELECT max((h->>'at')::timestamptz) FROM jsonb_array_elements(o.history) h WHERE h->>'status' IN ('CONFIRMED','CANCELLED')) AS done_at, o.status
           FROM gateway.orders o WHERE o.created_at >= $1)
       SELECT count(*)::int AS n,
              count(*) FILTER (WHERE status = 'CONFIRMED')::int AS confirmed,
              count(*) FILTER (WHERE status = 'CANCELLED')::int AS cancelled,
              count(done_at)::int AS terminal,
              percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM done_at - created_at)) * 1000 AS p50,
              percentile_cont(0.95) WITHIN GROUP (ORDER BY extract(epoch FROM done_at - created_at)) * 1000 AS p95,
              percentile_cont(0.99) WITHIN GROUP (ORDER BY extract(epoch FROM done_at - created_at)) * 1000 AS p99,
              max(extract(epoch FROM done_at - created_at)) * 1000 AS max,
              extract(epoch FROM max(created_at) - min(created_at)) AS intake_span_s,
              extract(epoch FROM max(done_at) - min(created_at)) AS settle_span_s
         FROM t`,
      [since],
    );
    const r = rows[0];
    const num = (value) => (value === null ? null : round(Number(value), 1));
    return {
      orders: r.n, terminal: r.terminal, confirmed: r.confirmed, cancelled: r.cancelled,
      p50Ms: num(r.p50), p95Ms: num(r.p95), p99Ms: num(r.p99), maxMs: num(r.max),
      intakeSpanS: num(r.intake_span_s), settleSpanS: num(r.settle_span_s),
      settleRate: r.settle_span_s ? round(r.terminal / Number(r.settle_span_s), 0) : null,
    };
  }

  async stop({ keep = false } = {}) {
    await Promise.all(Object.values(this.processes).map((child) => child.stop().catch(() => undefined)));
    await this.db?.end().catch(() => undefined);
    if (keep) return;
    await adminQuery(`DROP DATABASE IF EXISTS "${this.database}" WITH (FORCE)`).catch(() => undefined);
    try {
      const { deleteTopics, sagaTopics } = require(join(ROOT, 'dist/libs/platform/messaging/src/index.js'));
      await deleteTopics(BROKERS.split(','), sagaTopics(this.prefix).map((spec) => spec.topic));
    } catch {
      /* best effort */
    }
    try {
      const Redis = require('ioredis');
      const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
      let cursor = '0';
      do {
        const [next, keys] = await redis.scan(cursor, 'MATCH', `${this.prefix}*`, 'COUNT', 1000);
        if (keys.length) await redis.del(...keys);
        cursor = next;
      } while (cursor !== '0');
      redis.disconnect();
    } catch {
      /* best effort */
    }
  }
}

module.exports = { APP_ROOT, BenchStack, ServiceProcess, freePort, token, adminQuery, listeningSockets, processStats, sampleProcesses, infraPids, postgresCpuSeconds, sleep, round, ROOT, PG, BROKERS, REDIS_URL, SECRET };
