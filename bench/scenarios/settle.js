'use strict';
// Scenario 2 (end-to-end settle) and 5 (cost curve): orders at a fixed rate through the
// gateway, time from acceptance to a terminal status, and what each service costs.
const { run, orderRequests } = require('../lib/load');
const { sampleProcesses, infraPids, postgresCpuSeconds, processStats, round, sleep, BROKERS } = require('../lib/stack');
const { kafkaRoundTrip } = require('../lib/kafka-roundtrip');
const { median } = require('../lib/stats');
const { minimalPipeline } = require('../lib/minimal-pipeline');

/**
 * Settle capacity without intake in the way (issue 17): inventory and payment stopped, the
 * gateway accepts a backlog (closed loop for `seconds`), they start again and drain it. Rate =
 * orders / (last terminal − first reservation), from the orders' own history; CPU per order of
 * each service = its CPU seconds (from /proc) while draining / orders.
 */
async function backlogDrain({ stack, sku, tokens, seconds, progress, label }) {
  await stack.waitTerminal(new Date(0), 0, 300_000, ({ total, terminal }) => progress(`${label}: waiting for earlier orders ${terminal}/${total} terminal`));
  await stack.processes.inventory.stop();
  await stack.processes.payment.stop();
  const [{ now: since }] = (await stack.db.query('SELECT now()')).rows;
  const intake = await run({ url: stack.gatewayUrl, requests: orderRequests({ tokens, sku, runId: `backlog-${label}-${Date.now()}` }), connections: 64, duration: seconds });
  const accepted = intake.statusCodes['202'] ?? 0;
  // Every OrderCreated in Kafka before the consumers come back.
  for (let i = 0; i < 600; i++) {
    const { rows } = await stack.db.query('SELECT count(*)::int AS n FROM gateway.outbox');
    if (rows[0].n === 0) break;
    await sleep(100);
  }
  progress(`${label}: backlog of ${accepted} orders, starting inventory and payment`);
  const gatewayPid = stack.processes.gateway.pid;
  const gatewayCpu = processStats(gatewayPid)?.cpuSeconds ?? 0;
  const pgCpu0 = postgresCpuSeconds();
  await Promise.all([stack.processes.inventory.start(), stack.processes.payment.start()]);
  const stopSampling = sampleProcesses({ inventory: stack.processes.inventory.pid, payment: stack.processes.payment.pid, ...infraPids() });
  const t0 = Date.now();
  const done = await stack.waitTerminal(since, accepted, 600_000, ({ total, terminal }) => progress(`${label}: draining ${terminal}/${total} terminal`));
  const processes = stopSampling();
  const gatewayCpuSeconds = (processStats(gatewayPid)?.cpuSeconds ?? 0) - gatewayCpu;
  const { rows } = await stack.db.query(
    `WITH h AS (SELECT (SELECT min((e->>'at')::timestamptz) FROM jsonb_array_elements(o.history) e WHERE e->>'status' = 'RESERVED') AS reserved_at,
                       (SELECT max((e->>'at')::timestamptz) FROM jsonb_array_elements(o.history) e WHERE e->>'status' IN ('CONFIRMED','CANCELLED')) AS done_at
                  FROM gateway.orders o WHERE o.created_at >= $1)
     SELECT count(done_at)::int AS terminal, extract(epoch FROM max(done_at) - min(reserved_at)) AS span_s FROM h`,
    [since],
  );
  const orders = rows[0].terminal;
  const spanS = Number(rows[0].span_s);
  // The services' CPU (inventory and payment since their start, boot included; the gateway since the backlog was in).
  const perOrder = (cpuSeconds) => round((1000 * cpuSeconds) / Math.max(1, orders), 3);
  const cpuMsPerOrder = { gateway: perOrder(gatewayCpuSeconds), inventory: perOrder(processes.inventory.cpuSeconds), payment: perOrder(processes.payment.cpuSeconds) };
  cpuMsPerOrder.total = round(cpuMsPerOrder.gateway + cpuMsPerOrder.inventory + cpuMsPerOrder.payment, 3);
  return {
    accepted,
    allTerminal: done.ok,
    orders,
    drainSeconds: round(spanS, 2),
    wallSeconds: round((Date.now() - t0) / 1000, 1),
    settleRate: spanS ? round(orders / spanS, 0) : null,
    cpuMsPerOrder,
    postgresCpuMsPerOrder: perOrder(postgresCpuSeconds() - pgCpu0),
    processes,
  };
}

/** One fixed-rate (or closed-loop when rate is null) window, then wait until all settled. */
async function settleWindow({ stack, sku, tokens, rate, seconds, progress, label }) {
  // Start from a quiet saga: every earlier order terminal.
  await stack.waitTerminal(new Date(0), 0, 300_000, ({ total, terminal }) => progress(`${label}: waiting for earlier orders ${terminal}/${total} terminal`));
  const [{ now: since }] = (await stack.db.query('SELECT now()')).rows;
  const stopSampling = sampleProcesses({ ...stack.pids(), ...infraPids() });
  const pgCpu0 = postgresCpuSeconds();
  const t0 = Date.now();
  const intake = await run({ url: stack.gatewayUrl, requests: orderRequests({ tokens, sku, runId: `settle-${label}-${Date.now()}` }), rate, duration: seconds, connections: rate ? undefined : 64 });
  const accepted = intake.statusCodes['202'] ?? 0;
  const done = await stack.waitTerminal(since, accepted, 180_000, ({ total, terminal }) => progress(`${label}: ${terminal}/${total} terminal`));
  const wallS = (Date.now() - t0) / 1000;
  const processes = stopSampling();
  processes.postgresAllBackends = { cpuPercent: round((100 * (postgresCpuSeconds() - pgCpu0)) / wallS) };
  const settle = await stack.settleStats(since);
  // Sustained: the saga kept up, i.e. the last order settled within 2 s of the last intake.
  const sustained = done.ok && settle.settleSpanS !== null && settle.settleSpanS - settle.intakeSpanS <= 2;
  return { offered: rate, intake: { achievedRps: intake.achievedRps, p99Ms: intake.p99Ms, fiveXx: intake.fiveXx, statusCodes: intake.statusCodes }, settle, allTerminal: done.ok, sustained, processes };
}

async function settleScenario({ stack, sku, tokens, config, progress }) {
  const { reps, seconds, drainSeconds } = config;
  const bare = { closedLoop: [], fixed: [] };
  for (let rep = 1; rep <= reps; rep++) {
    progress(`settle bare limit: kafkajs produce->consume round ${rep}/${reps}`);
    bare.closedLoop.push(await kafkaRoundTrip({ brokers: BROKERS.split(','), prefix: stack.prefix, seconds: 5 }));
  }
  const kafkaMax = median(bare.closedLoop.map((r) => r.consumedPerSecond));

  // Capacity: intake as fast as it goes for a while, then measure how fast the saga drains it.
  const drains = [];
  for (let rep = 1; rep <= reps; rep++) {
    progress(`settle capacity (closed-loop intake ${drainSeconds}s) round ${rep}/${reps}`);
    drains.push(await settleWindow({ stack, sku, tokens, rate: null, seconds: drainSeconds, progress, label: `drain ${rep}/${reps}` }));
    await sleep(1000);
  }
  const settleCapacity = median(drains.map((d) => d.settle.settleRate));

  // Latency at a fixed rate: half the measured capacity (the p99 < 1 s target point).
  const halfRate = Math.max(25, Math.round(settleCapacity / 2 / 25) * 25);
  const half = [];
  for (let rep = 1; rep <= reps; rep++) {
    progress(`settle at fixed ${halfRate}/s round ${rep}/${reps}`);
    half.push(await settleWindow({ stack, sku, tokens, rate: halfRate, seconds, progress, label: `fixed ${halfRate}/s ${rep}/${reps}` }));
  }
  for (let rep = 1; rep <= reps; rep++) {
    progress(`settle bare limit: kafkajs round trip at ${halfRate}/s round ${rep}/${reps}`);
    bare.fixed.push(await kafkaRoundTrip({ brokers: BROKERS.split(','), prefix: stack.prefix, seconds: 5, rate: halfRate }));
  }
  // Issue 17: the backlog drain (settle capacity with intake out of the way, CPU per order per
  // service), 500/s offered (p99 202 → terminal), and the minimal-pipeline bare limit.
  const backlog = [];
  for (let rep = 1; rep <= reps; rep++) {
    progress(`settle backlog drain round ${rep}/${reps}`);
    backlog.push(await backlogDrain({ stack, sku, tokens, seconds: config.backlogSeconds ?? drainSeconds, progress, label: `backlog ${rep}/${reps}` }));
  }
  const at500 = [];
  for (let rep = 1; rep <= reps; rep++) {
    progress(`settle at fixed 500/s round ${rep}/${reps}`);
    at500.push(await settleWindow({ stack, sku, tokens, rate: 500, seconds, progress, label: `fixed 500/s ${rep}/${reps}` }));
  }
  progress('settle bare limit: minimal pipeline');
  const minimal = await minimalPipeline({ brokers: BROKERS.split(','), prefix: stack.prefix, orders: config.minimalOrders ?? 10_000, progress });
  const pick = (runs, f) => median(runs.map(f));
  return {
    backlog: {
      settleRate: pick(backlog, (b) => b.settleRate),
      cpuMsPerOrder: {
        gateway: pick(backlog, (b) => b.cpuMsPerOrder.gateway),
        inventory: pick(backlog, (b) => b.cpuMsPerOrder.inventory),
        payment: pick(backlog, (b) => b.cpuMsPerOrder.payment),
        total: pick(backlog, (b) => b.cpuMsPerOrder.total),
      },
      postgresCpuMsPerOrder: pick(backlog, (b) => b.postgresCpuMsPerOrder),
      runs: backlog,
    },
    at500: { offered: 500, intakeRps: pick(at500, (w) => w.intake.achievedRps), p50Ms: pick(at500, (w) => w.settle.p50Ms), p99Ms: pick(at500, (w) => w.settle.p99Ms), sustained: at500.filter((w) => w.sustained).length >= Math.ceil(reps / 2), runs: at500 },
    minimalPipeline: minimal,
    ratioBacklogToMinimal: minimal.ordersPerSecond ? round(pick(backlog, (b) => b.settleRate) / minimal.ordersPerSecond, 3) : null,
    paymentDelayMs: 0,
    kafkaRoundTrip: { closedLoopMsgPerS: kafkaMax, atHalfRate: { p50Ms: pick(bare.fixed, (r) => r.p50Ms), p95Ms: pick(bare.fixed, (r) => r.p95Ms), p99Ms: pick(bare.fixed, (r) => r.p99Ms) }, runs: bare },
    capacity: { settleRate: settleCapacity, intakeRps: pick(drains, (d) => d.intake.achievedRps), p50Ms: pick(drains, (d) => d.settle.p50Ms), p99Ms: pick(drains, (d) => d.settle.p99Ms), runs: drains },
    // A saga order is 6 events (OrderCreated, OrderReserved, PaymentSuccess, OrderPaid, StockCommitted + ProductChanged);
    // the bare round trip is one message: the ratio below is per order vs per message.
    ratioSettleToKafkaMessages: round(settleCapacity / kafkaMax, 3),
    atHalfCapacity: { offered: halfRate, p50Ms: pick(half, (h) => h.settle.p50Ms), p95Ms: pick(half, (h) => h.settle.p95Ms), p99Ms: pick(half, (h) => h.settle.p99Ms), sustained: half.filter((h) => h.sustained).length >= Math.ceil(reps / 2), runs: half },
  };
}

async function costCurveScenario({ stack, sku, tokens, config, progress }) {
  const { baseRate, multipliers, seconds } = config;
  const points = [];
  for (const multiplier of multipliers) {
    const rate = baseRate * multiplier;
    progress(`cost curve ${multiplier}x = ${rate}/s`);
    const window = await settleWindow({ stack, sku, tokens, rate, seconds, progress, label: `cost ${multiplier}x` });
    points.push({ multiplier, ...window });
    await sleep(1000);
  }
  return { baseRate, seconds, points };
}

module.exports = { settleScenario, costCurveScenario, settleWindow, backlogDrain };
