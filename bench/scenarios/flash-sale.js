'use strict';
// Scenario 4: 10,000 distinct buyers, one sku with 100 units, all at once through the gateway.
const { run, orderRequests } = require('../lib/load');
const { sampleProcesses, infraPids, round } = require('../lib/stack');

async function flashSaleScenario({ stack, config, progress }) {
  const { buyers, units, connections } = config;
  const sku = `flash-${Date.now().toString(36)}`;
  await stack.createProduct(sku, units);
  progress(`flash sale: signing ${buyers} buyer tokens`);
  const tokens = Array.from({ length: buyers }, (_, i) => stack.token(`buyer-${i}`));
  const [{ now: since }] = (await stack.db.query('SELECT now()')).rows;
  const stopSampling = sampleProcesses({ ...stack.pids(), ...infraPids() });
  const t0 = Date.now();
  const timeline = [];
  progress(`flash sale: ${buyers} buyers, ${connections} connections at once`);
  const intake = await run({ url: stack.gatewayUrl, requests: orderRequests({ tokens, sku, runId: sku }), amount: buyers, connections, timeout: 60 });
  const intakeS = (Date.now() - t0) / 1000;
  const accepted = intake.statusCodes['202'] ?? 0;
  const done = await stack.waitTerminal(since, accepted, 300_000, ({ total, terminal }) => {
    timeline.push({ t: round((Date.now() - t0) / 1000, 2), terminal, total });
    progress(`flash sale: ${terminal}/${total} terminal`);
  });
  const allTerminalS = (Date.now() - t0) / 1000;
  const processes = stopSampling();
  const { rows: statuses } = await stack.db.query(
    `SELECT status, cancel_reason, count(*)::int AS n FROM gateway.orders o JOIN gateway.order_items i ON i.order_id = o.id WHERE i.sku = $1 GROUP BY 1, 2 ORDER BY 1, 2`,
    [sku],
  );
  // Wait for the saga to be quiet (stock commits applied) before reading stock.
  let stock;
  for (let i = 0; i < 120; i++) {
    stock = (await stack.db.query('SELECT available, reserved, sold, adjusted FROM inventory.stock WHERE sku = $1', [sku])).rows[0];
    if (stock && stock.reserved === 0) break;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  const confirmed = statuses.filter((s) => s.status === 'CONFIRMED').reduce((a, s) => a + s.n, 0);
  const assertions = {
    everyOrderAccepted: accepted === buyers,
    everyOrderTerminal: done.ok && done.total === accepted,
    exactly100Confirmed: confirmed === units,
    stockConserved: stock ? stock.available + stock.reserved + stock.sold === units + stock.adjusted : false,
    soldEqualsConfirmed: stock ? stock.sold === confirmed : false,
    no5xx: intake.fiveXx === 0 && intake.errors === 0,
  };
  return {
    buyers,
    units,
    connections,
    intake: { seconds: round(intakeS, 2), achievedRps: intake.achievedRps, p50Ms: intake.p50Ms, p99Ms: intake.p99Ms, maxMs: intake.maxMs, statusCodes: intake.statusCodes, errors: intake.errors, timeouts: intake.timeouts },
    allTerminalSeconds: round(allTerminalS, 2),
    statuses,
    stock,
    confirmed,
    assertions,
    passed: Object.values(assertions).every(Boolean),
    timeline,
    processes,
  };
}

module.exports = { flashSaleScenario };
