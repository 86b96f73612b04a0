'use strict';
// pgbench with the exact statements of the gateway's POST /orders (and, for the
// reservation scenario, whatever script the caller gives): the Postgres bare limit.
const { execFile, execFileSync } = require('node:child_process');
const { writeFileSync, mkdtempSync } = require('node:fs');
const { tmpdir } = require('node:os');
const { join } = require('node:path');
const { adminQuery, PG, APP_ROOT: ROOT, round } = require('./stack');

const ORDER_ID = `(lpad(to_hex(:h1::bigint), 16, '0') || lpad(to_hex(:h2::bigint), 16, '0'))::uuid`;
const BODY = JSON.stringify({ id: '0b9d4c4e-7c1a-4f43-9a55-2f7c8d1e6a10', userId: 'u1', status: 'CREATED', items: [{ sku: 'bench-sku', quantity: 1, unitPriceCents: 1000 }], totalCents: 1000, currency: 'USD', cancelReason: null, history: [{ status: 'CREATED', at: '2026-01-01T00:00:00.000Z' }], createdAt: '2026-01-01T00:00:00.000Z', updatedAt: '2026-01-01T00:00:00.000Z' });
const EVENT = JSON.stringify({ eventId: '0b9d4c4e-7c1a-4f43-9a55-2f7c8d1e6a11', eventType: 'OrderCreated', version: 1, orderId: '0b9d4c4e-7c1a-4f43-9a55-2f7c8d1e6a10', occurredAt: '2026-01-01T00:00:00.000Z', payload: { userId: 'u1', items: [{ sku: 'bench-sku', quantity: 1, unitPriceCents: 1000 }], totalCents: 1000, currency: 'USD', paymentMethod: 'pm_card_ok' } });
// pgbench reads ':name' as a variable: JSON with a space after each colon.
const spaced = (value) => JSON.stringify(value, null, 1).replace(/\n\s*/g, ' ');
const HEADERS = JSON.stringify({ 'event-id': 'x', 'event-type': 'OrderCreated', 'event-version': '1', producer: 'order-gateway', traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01' });

/**
 * The statement of OrdersService.createOrder (IdempotencyKeys.complete): the key stored
 * COMPLETED, the remembered price checked against the catalog in the same snapshot, and the
 * order, its items and its outbox row FROM that insert. One statement, one commit (the
 * in-flight claim is in Redis, taken with the rate limit).
 */
const INTAKE_SCRIPT = `\\set h1 random(1, 4611686018427387903)
\\set h2 random(1, 4611686018427387903)
\\set k random(1, 4611686018427387903)
WITH premise AS (SELECT NOT EXISTS (SELECT 1 FROM unnest('{bench-sku}'::text[], '{1000}'::bigint[]) AS assumed(sku, price_cents) LEFT JOIN catalog_products c ON c.sku = assumed.sku WHERE c.price_cents IS DISTINCT FROM assumed.price_cents) AS holds), completed AS (INSERT INTO idempotency_keys AS k (user_id, key, fingerprint, state, response_status, response_body, order_id, locked_until) SELECT 'u' || :client_id, :k::text, 'fp', 'COMPLETED', 202, '${spaced(JSON.parse(BODY))}'::jsonb, ${ORDER_ID}, now() FROM premise WHERE premise.holds ON CONFLICT (user_id, key) DO UPDATE SET state = 'COMPLETED', response_status = EXCLUDED.response_status, response_body = EXCLUDED.response_body, order_id = EXCLUDED.order_id, locked_until = EXCLUDED.locked_until WHERE k.state = 'IN_FLIGHT' AND k.locked_until < now() AND k.fingerprint = EXCLUDED.fingerprint RETURNING key), new_order AS (INSERT INTO orders (id, user_id, status, total_cents, currency, payment_method, history, status_changed_at, created_at, updated_at) SELECT ${ORDER_ID}, 'u' || :client_id, 'CREATED', 1000, 'USD', 'pm_card_ok', '[{"status":"CREATED","at":"2026-01-01T00:00:00.000Z"}]'::jsonb, now(), now(), now() FROM completed RETURNING id), new_items AS (INSERT INTO order_items (order_id, line_no, sku, quantity, unit_price_cents) SELECT new_order.id, u.line_no, u.sku, u.quantity, u.price FROM new_order, unnest('{1}'::int[], '{bench-sku}'::text[], '{1}'::int[], '{1000}'::bigint[]) AS u(line_no, sku, quantity, price)), new_events AS (INSERT INTO outbox (event_id, topic, message_key, value, headers) SELECT * FROM (VALUES (gen_random_uuid(), 'bench.orders', ${ORDER_ID}::text, '${spaced(JSON.parse(EVENT))}', '${spaced(JSON.parse(HEADERS))}'::jsonb)) AS v WHERE EXISTS (SELECT 1 FROM new_order)) SELECT count(*)::int AS written, (SELECT holds FROM premise) AS holds FROM new_order;
`;

function pgVersionAndSettings() {
  const out = execFileSync('psql', [`${PG}/postgres`, '-tAc', "SELECT current_setting('server_version') || '|' || current_setting('synchronous_commit') || '|' || current_setting('fsync') || '|' || current_setting('shared_buffers') || '|' || current_setting('max_connections')"], { encoding: 'utf8' }).trim();
  const [version, synchronousCommit, fsync, sharedBuffers, maxConnections] = out.split('|');
  return { version, synchronousCommit, fsync, sharedBuffers, maxConnections: Number(maxConnections) };
}

/** A database with only the gateway's schema, for the intake transaction. */
async function prepareIntakeDatabase() {
  const database = `bench_pg_${Date.now().toString(36)}`;
  await adminQuery(`CREATE DATABASE "${database}"`);
  execFileSync(process.execPath, [join(ROOT, 'dist/apps/order-gateway/src/migrate.js')], { cwd: ROOT, env: { ...process.env, DATABASE_URL: `${PG}/${database}`, LOG_LEVEL: 'warn' }, stdio: 'pipe' });
  await adminQuery(`INSERT INTO gateway.catalog_products (sku, name, price_cents, currency, available, revision, updated_at) VALUES ('bench-sku', 'x', 1000, 'USD', 100, 1, now())`, database);
  return database;
}

function runPgbench({ database, script, clients, seconds, searchPath }) {
  const dir = mkdtempSync(join(tmpdir(), 'bench-pgbench-'));
  const file = join(dir, 'script.sql');
  writeFileSync(file, script);
  const args = ['-n', '-M', 'prepared', '-c', String(clients), '-j', String(Math.min(2, clients)), '-T', String(seconds), '-f', file, `${PG}/${database}`];
  return new Promise((resolve, reject) => {
    execFile('pgbench', args, { env: { ...process.env, PGOPTIONS: searchPath ? `-c search_path=${searchPath}` : '' } }, (error, stdout, stderr) => {
      if (error) return reject(new Error(`pgbench failed: ${stderr || error.message}`));
      const tps = Number(/tps = ([\d.]+) \(without initial/.exec(stdout)?.[1] ?? /tps = ([\d.]+)/.exec(stdout)?.[1]);
      const latency = Number(/latency average = ([\d.]+) ms/.exec(stdout)?.[1]);
      const failed = Number(/number of failed transactions: (\d+)/.exec(stdout)?.[1] ?? 0);
      resolve({ clients, seconds, tps: round(tps, 0), latencyAvgMs: round(latency, 2), failed });
    });
  });
}

module.exports = { INTAKE_SCRIPT, prepareIntakeDatabase, runPgbench, pgVersionAndSettings };
