'use strict';
// Scenario 1: gateway intake (POST /orders) up to the knee, beside the ladder of bare
// limits measured in the same run: node:http, Nest empty handler, Nest + validation/auth,
// and pgbench running the endpoint's exact statements.
const { fork } = require('node:child_process');
const { join } = require('node:path');
const { run, orderRequests } = require('../lib/load');
const { freePort, listeningSockets, processStats, sleep, round } = require('../lib/stack');
const { INTAKE_SCRIPT, prepareIntakeDatabase, runPgbench } = require('../lib/pgbench');
const { adminQuery } = require('../lib/stack');
const { median } = require('../lib/stats');

async function startLadderApp(mode, secret) {
  const port = await freePort();
  const child = fork(join(__dirname, '../lib/ladder-app.js'), [mode, String(port)], { env: { ...process.env, BENCH_SECRET: secret }, stdio: 'ignore' });
  await new Promise((resolve, reject) => {
    child.once('message', resolve);
    child.once('exit', (code) => reject(new Error(`${mode} exited ${code}`)));
  });
  return { url: `http://127.0.0.1:${port}`, pid: child.pid, stop: () => new Promise((resolve) => (child.once('exit', resolve), child.kill('SIGTERM'))) };
}

/**
 * Closed-loop maximum of each rung (3 rounds, interleaved so that noise hits all alike),
 * then fixed-rate steps on the real gateway for the latency-vs-rate curve.
 */
async function intakeScenario({ stack, sku, tokens, config, progress }) {
  const { reps, ladderSeconds, steps, stepSeconds, connections } = config;
  const rungs = {};
  const apps = {};
  for (const mode of ['node-http', 'nest-empty', 'nest-validate', 'nest-validate-key']) apps[mode] = await startLadderApp(mode, stack.secret);
  const pgDatabase = await prepareIntakeDatabase();
  try {
    for (let rep = 1; rep <= reps; rep++) {
      for (const mode of Object.keys(apps)) {
        progress(`intake ladder ${mode} round ${rep}/${reps}`);
        const result = await run({ url: apps[mode].url, requests: orderRequests({ tokens, sku, runId: `${mode}-${rep}` }), connections, duration: ladderSeconds });
        (rungs[mode] ??= []).push(result);
      }
      progress(`intake ladder pgbench (endpoint SQL, 16 clients) round ${rep}/${reps}`);
      (rungs.pgbench ??= []).push(await runPgbench({ database: pgDatabase, script: INTAKE_SCRIPT, clients: 16, seconds: ladderSeconds, searchPath: 'gateway' }));
      progress(`intake ladder gateway POST /orders round ${rep}/${reps}`);
      (rungs.gateway ??= []).push(await run({ url: stack.gatewayUrl, requests: orderRequests({ tokens, sku, runId: `gw-max-${rep}-${Date.now()}` }), connections, duration: ladderSeconds }));
      await sleep(1000);
    }
  } finally {
    for (const app of Object.values(apps)) await app.stop();
    await adminQuery(`DROP DATABASE IF EXISTS "${pgDatabase}" WITH (FORCE)`).catch(() => undefined);
  }
  const rate = (mode) => median(rungs[mode].map((r) => (mode === 'pgbench' ? r.tps : r.achievedRps)));
  const ladder = Object.fromEntries(Object.keys(rungs).map((mode) => [mode, { medianRps: rate(mode), runs: rungs[mode] }]));
  const gatewayMax = rate('gateway');

  const curve = [];
  for (const offered of steps) {
    const runs = [];
    for (let rep = 1; rep <= reps; rep++) {
      progress(`intake fixed rate ${offered}/s round ${rep}/${reps}`);
      runs.push(await run({ url: stack.gatewayUrl, requests: orderRequests({ tokens, sku, runId: `gw-${offered}-${rep}-${Date.now()}` }), rate: offered, duration: stepSeconds }));
      await sleep(500);
    }
    const pick = (key) => median(runs.map((r) => r[key]));
    const saturated = runs.filter((r) => r.saturated).length >= Math.ceil(reps / 2);
    curve.push({ offered, achievedRps: pick('achievedRps'), p50Ms: pick('p50Ms'), p97_5Ms: pick('p97_5Ms'), p99Ms: pick('p99Ms'), saturated, fiveXx: runs.reduce((a, r) => a + r.fiveXx, 0), runs });
    if (saturated) break; // past the knee
  }
  const underTarget = curve.filter((point) => !point.saturated && point.p99Ms < 50);
  const knee = underTarget.length ? underTarget[underTarget.length - 1] : null;
  return {
    ladder,
    gatewayMaxRps: gatewayMax,
    ratios: {
      gatewayToNodeHttp: round(gatewayMax / rate('node-http'), 3),
      gatewayToNestEmpty: round(gatewayMax / rate('nest-empty'), 3),
      gatewayToNestValidate: round(gatewayMax / rate('nest-validate'), 3),
      gatewayToPgbench: round(gatewayMax / rate('pgbench'), 3),
      nestEmptyToNodeHttp: round(rate('nest-empty') / rate('node-http'), 3),
      nestValidateToNestEmpty: round(rate('nest-validate') / rate('nest-empty'), 3),
      nestValidateKeyObjectToString: round(rate('nest-validate-key') / rate('nest-validate'), 3),
    },
    curve,
    kneeUnderP99_50ms: knee ? { offered: knee.offered, achievedRps: knee.achievedRps, p99Ms: knee.p99Ms } : null,
  };
}

/**
 * The gateway alone with one process, then two sharing its port (HTTP_REUSE_PORT=true, the
 * stack's gateway started with it), rounds interleaved: closed-loop maximum, then fixed rates up
 * to the knee: the highest rate each holds at p99 < 50 ms, and the gateway CPU per accepted
 * order (all its processes, from /proc).
 */
async function processesScenario({ stack, sku, tokens, config, progress }) {
  const { reps, steps, stepSeconds, connections } = config;
  const first = stack.processes.gateway;
  const second = first.sibling('order-gateway-2');
  const curves = { 1: [], 2: [] };
  const closedLoop = { 1: [], 2: [] };
  try {
    for (let rep = 1; rep <= reps; rep++) {
      for (const processes of [1, 2]) {
        const gateways = processes === 2 ? [first, second] : [first];
        if (processes === 2) {
          await second.start(); // ready as soon as the first answers: wait for its own socket
          for (let i = 0; listeningSockets(first.port) < 2; i++) {
            if (i > 300) throw new Error('the second gateway process never listened');
            await sleep(100);
          }
        }
        // One load run, with the gateway processes' CPU per accepted order from /proc.
        const measured = async (label, rate) => {
          progress(`intake ${processes} gateway process(es), ${label}, round ${rep}/${reps}`);
          const before = gateways.map((gateway) => processStats(gateway.pid)?.cpuSeconds ?? 0);
          const requests = orderRequests({ tokens, sku, runId: `gw${processes}-${label}-${rep}-${Date.now()}` });
          const result = await run({ url: stack.gatewayUrl, requests, rate, connections: rate ? undefined : connections, duration: stepSeconds });
          const cpuSeconds = gateways.reduce((sum, gateway, index) => sum + (processStats(gateway.pid)?.cpuSeconds ?? 0) - before[index], 0);
          const accepted = result.statusCodes['202'] ?? 0;
          await sleep(500);
          return { ...result, gatewayCpuMsPerOrder: accepted ? round((1000 * cpuSeconds) / accepted, 2) : null };
        };
        closedLoop[processes].push(await measured('closed loop', null));
        const curve = [];
        for (const offered of steps) {
          const result = await measured(`${offered}/s`, offered);
          curve.push(result);
          if (result.saturated || result.p99Ms > 1000) break; // past the knee
        }
        curves[processes].push(curve);
        if (processes === 2) await second.stop();
      }
    }
  } finally {
    await second.stop();
  }
  const summary = (runs, maxRuns) => {
    // Per round: the highest step sustained at p99 < 50 ms; then the median over rounds.
    const knees = runs.map((curve) => curve.filter((point) => !point.saturated && point.p99Ms < 50).pop() ?? null);
    const held = knees.map((knee) => knee?.achievedRps ?? 0);
    const cpu = knees.filter(Boolean).map((knee) => knee.gatewayCpuMsPerOrder);
    return {
      kneeRps: median(held),
      kneeRpsByRound: held,
      gatewayCpuMsPerOrderAtKnee: cpu.length ? median(cpu) : null,
      closedLoopMaxRps: median(maxRuns.map((r) => r.achievedRps)),
      gatewayCpuMsPerOrderClosedLoop: median(maxRuns.map((r) => r.gatewayCpuMsPerOrder)),
      closedLoopRuns: maxRuns,
      runs,
    };
  };
  const one = summary(curves[1], closedLoop[1]);
  const two = summary(curves[2], closedLoop[2]);
  return {
    steps,
    processes: { 1: one, 2: two },
    speedup: one.kneeRps ? round(two.kneeRps / one.kneeRps, 2) : null,
    closedLoopSpeedup: one.closedLoopMaxRps ? round(two.closedLoopMaxRps / one.closedLoopMaxRps, 2) : null,
    // Estimates, not measurements (each process on a core of its own): by the rate one process
    // held here at p99 < 50 ms, and what one fully busy core accepts at its CPU per order.
    processesFor2000Estimate: one.kneeRps ? Math.ceil(2000 / one.kneeRps) : null,
    ordersPerCoreSecondEstimate: one.gatewayCpuMsPerOrderClosedLoop ? round(1000 / one.gatewayCpuMsPerOrderClosedLoop, 0) : null,
  };
}

module.exports = { intakeScenario, processesScenario };
