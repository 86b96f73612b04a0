'use strict';
// Scenario 2 (end-to-end settle) and 5 (cost curve): orders at a fixed rate through the
// gateway, time from acceptance to a terminal status, and what each service costs.
const { run, orderRequests } = require('../lib/load');
const { sampleProcesses, infraPids, postgresCpuSeconds, round, sleep, BROKERS } = require('../lib/stack');
const { kafkaRoundTrip } = require('../lib/kafka-roundtrip');
const { median } = require('../lib/stats');

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
  const pick = (runs, f) => median(runs.map(f));
  return {
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

module.exports = { settleScenario, costCurveScenario, settleWindow };
