'use strict';
// `npm run bench`: every capacity scenario of issue 9 against an isolated copy of the
// platform (own database, topic prefix, Redis prefix, ports), traffic to 127.0.0.1 only.
// Writes bench/results/<date>.json, bench/charts/*.svg and bench/REPORT.md.
//
// Environment:
//   BENCH_SCENARIOS   comma list (default: intake,processes,settle,reservation,flash,cost,profile)
//   BENCH_QUICK=1     one round instead of three, shorter windows (smoke test, not for figures)
//   BENCH_BASELINE_REF  a git ref: also run intake max + settle capacity on that build, interleaved
//                       with this one, for before/after figures measured in the same run
//   BENCH_COMPARE_ROUNDS  interleaved rounds of the before/after (default 3)
//   BENCH_BASELINE_DIR  instead of a ref: a checkout with its dist/ built (the "before")
//   BENCH_EXPERIMENT_DIR  a checkout (built) with an experimental change, compared against BENCH_APP_ROOT
//   BENCH_APP_ROOT      run the services from another checkout's dist/ (the "after"; default: here)
//   BENCH_COMPARE_ENVS  more "after" variants in the before/after, each with service settings:
//                       variants separated by ';', settings by ',' (e.g. KAFKA_GROUP_COMMIT_IN_FLIGHT=1)
const { execFileSync, execSync } = require('node:child_process');
const { existsSync, mkdirSync, writeFileSync, readFileSync, rmSync, mkdtempSync, symlinkSync } = require('node:fs');
const { cpus, totalmem, loadavg, tmpdir } = require('node:os');
const { join } = require('node:path');
const net = require('node:net');
const { APP_ROOT, BenchStack, ROOT, round, sleep, BROKERS, processStats, postgresCpuSeconds } = require('./lib/stack');
const { pgVersionAndSettings } = require('./lib/pgbench');
const { intakeScenario, processesScenario } = require('./scenarios/intake');
const { settleScenario, costCurveScenario, settleWindow, backlogDrain } = require('./scenarios/settle');
const { flashSaleScenario } = require('./scenarios/flash-sale');
const { reservationScenario } = require('./scenarios/reservation');
const { run, orderRequests } = require('./lib/load');
const { summarizeProfile } = require('./lib/profile');
const { writeCharts } = require('./lib/charts');
const { writeReport } = require('./lib/report');
const { median } = require('./lib/stats');

const QUICK = process.env.BENCH_QUICK === '1';
const SCENARIOS = (process.env.BENCH_SCENARIOS ?? 'intake,processes,settle,reservation,flash,cost,profile').split(',');
const CONFIG = {
  intake: { reps: QUICK ? 1 : 3, ladderSeconds: QUICK ? 3 : 6, steps: [250, 500, 750, 1000, 1500, 2000, 3000], stepSeconds: QUICK ? 3 : 6, connections: 64 },
  processes: { reps: QUICK ? 1 : 3, steps: [100, 150, 200, 300, 400, 500, 600, 800, 1000, 1200, 1500, 2000], stepSeconds: QUICK ? 3 : 6, connections: 64 },
  settle: { reps: QUICK ? 1 : 3, seconds: QUICK ? 5 : 10, drainSeconds: QUICK ? 4 : 8, backlogSeconds: QUICK ? 4 : 12, minimalOrders: QUICK ? 3000 : 10_000 },
  flash: { buyers: 10_000, units: 100, connections: 1000 },
  cost: { baseRate: 100, multipliers: [1, 2, 4], seconds: QUICK ? 5 : 15 },
  profile: { seconds: 10 },
};

const started = Date.now();
let lastPrinted = { message: '', at: 0 };
function progress(message) {
  const elapsed = ((Date.now() - started) / 1000).toFixed(0).padStart(4);
  if (process.stdout.isTTY) return process.stdout.write(`\r\x1b[K[bench ${elapsed}s] ${message}`);
  // Not a terminal: one line per new step, repeats of a counter at most every 5 s.
  const kind = message.replace(/\d+\/\d+ terminal$/, '');
  if (kind === lastPrinted.message && Date.now() - lastPrinted.at < 5000) return;
  lastPrinted = { message: kind, at: Date.now() };
  process.stdout.write(`[bench ${elapsed}s] ${message}\n`);
}
function step(message) {
  process.stdout.write(`\n[bench] ${message}\n`);
}

function reachable(port) {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.once('connect', () => (socket.destroy(), resolve(true)));
    socket.once('error', () => resolve(false));
  });
}

async function ensureInfrastructure() {
  const ports = { postgres: 5432, redis: 6379, kafka: Number(BROKERS.split(',')[0].split(':')[1]) };
  const down = [];
  for (const [name, port] of Object.entries(ports)) if (!(await reachable(port))) down.push(name);
  if (down.length) {
    step(`starting infrastructure (${down.join(', ')} down): bash scripts/infra.sh up`);
    execFileSync('bash', ['scripts/infra.sh', 'up'], { cwd: ROOT, stdio: 'inherit' });
  }
  if (!existsSync(join(ROOT, 'dist/apps/order-gateway/src/main.js'))) {
    step('building: npm run build');
    execFileSync('npm', ['run', 'build'], { cwd: ROOT, stdio: 'inherit' });
  }
}

function sh(command) {
  try {
    return execSync(command, { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return null;
  }
}

function machine() {
  const pg = pgVersionAndSettings();
  return {
    cpuModel: cpus()[0]?.model,
    cores: cpus().length,
    memoryGiB: round(totalmem() / 2 ** 30, 1),
    os: sh('. /etc/os-release && echo "$PRETTY_NAME"'),
    kernel: sh('uname -r'),
    node: process.version,
    postgres: pg.version,
    synchronousCommit: pg.synchronousCommit,
    fsync: pg.fsync,
    sharedBuffers: pg.sharedBuffers,
    redis: sh('redis-server --version')?.match(/v=([\d.]+)/)?.[1],
    kafka: readFileSync(join(ROOT, 'docker/kafka-local/pom.xml'), 'utf8').match(/<kafka.version>([^<]+)</)?.[1],
    kafkajs: require('kafkajs/package.json').version,
    kafkaProducerAcks: 'all (-1), idempotent producer, maxInFlightRequests 1 (outbox relay)',
    autocannon: require('autocannon/package.json').version,
    echarts: require('echarts/package.json').version,
    pgbench: sh('pgbench --version'),
    appRoot: APP_ROOT === ROOT ? '.' : APP_ROOT.replace(ROOT + '/', ''),
    gitCommit: sh(`git -C ${APP_ROOT} rev-parse --short HEAD`),
    gitDirty: (sh(`git -C ${APP_ROOT} status --porcelain -- libs apps`) ?? '').length > 0,
  };
}

/** A worktree of `ref`, built, sharing node_modules: the "before" of before/after figures. */
function buildBaseline(ref) {
  const dir = join(ROOT, '.local/bench-baseline', ref.replace(/[^A-Za-z0-9._-]/g, '_'));
  if (!existsSync(join(dir, 'dist/apps/order-gateway/src/main.js'))) {
    step(`building baseline ${ref} in ${dir}`);
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(join(ROOT, '.local/bench-baseline'), { recursive: true });
    execFileSync('git', ['worktree', 'add', '--detach', '--force', dir, ref], { cwd: ROOT, stdio: 'inherit' });
    symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'));
    execFileSync('npm', ['run', 'build'], { cwd: dir, stdio: 'inherit' });
  }
  return dir;
}

const activeStacks = new Set();
async function withStack(options, work) {
  const stack = new BenchStack(options);
  progress(`starting isolated stack ${stack.prefix} (${options.name})`);
  activeStacks.add(stack);
  try {
    await stack.start();
    return await work(stack);
  } finally {
    progress(`stopping stack ${stack.prefix}`);
    await stack.stop();
    activeStacks.delete(stack);
  }
}
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.once(signal, async () => {
    step(`${signal}: stopping ${activeStacks.size} stack(s)`);
    await Promise.all([...activeStacks].map((stack) => stack.stop().catch(() => undefined)));
    process.exit(130);
  });
}

/** A catalog of `skus` products with ample stock (orders spread over it) and pre-signed user tokens. */
async function prepareSaga(stack, users = 2000, skus = 32) {
  const base = `bench-${Date.now().toString(36)}`;
  const list = Array.from({ length: skus }, (_, i) => `${base}-${i}`);
  for (let i = 0; i < list.length; i += 8) await Promise.all(list.slice(i, i + 8).map((sku) => stack.createProduct(sku, 50_000_000)));
  const tokens = Array.from({ length: users }, (_, i) => stack.token(`user-${i}`));
  return { sku: list, tokens };
}

async function main() {
  await ensureInfrastructure();
  const command = [...Object.entries(process.env).filter(([k]) => k.startsWith('BENCH_')).map(([k, v]) => `${k}=${v}`), 'npm run bench'].join(' ');
  const results = { startedAt: new Date().toISOString(), command, quick: QUICK, machine: machine(), loadBefore: loadavg().map((v) => round(v, 2)), config: CONFIG, scenarios: SCENARIOS };
  step(`machine: ${results.machine.cores} cores, ${results.machine.memoryGiB} GiB, node ${results.machine.node}, postgres ${results.machine.postgres} (synchronous_commit=${results.machine.synchronousCommit}), redis ${results.machine.redis}, kafka ${results.machine.kafka}; load ${results.loadBefore.join(' ')}`);
  const save = () => {
    mkdirSync(join(__dirname, 'results'), { recursive: true });
    const file = join(__dirname, 'results', `${results.startedAt.replace(/[:.]/g, '-')}.json`);
    writeFileSync(file, JSON.stringify(results, null, 2));
    return file;
  };

  if (SCENARIOS.includes('intake') || SCENARIOS.includes('processes')) {
    // HTTP_REUSE_PORT: a second gateway process can share the port (scenario 1b).
    await withStack({ name: 'intake', gateway: { HTTP_REUSE_PORT: 'true' } }, async (stack) => {
      const { sku, tokens } = await prepareSaga(stack);
      // The gateway alone: inventory and payment stop once the catalog is in, so the intake
      // figures are not mixed with the saga draining earlier steps (scenario 2 measures that).
      await stack.processes.inventory.stop();
      await stack.processes.payment.stop();
      if (SCENARIOS.includes('intake')) {
        step('scenario 1: gateway intake (inventory and payment stopped: the gateway alone)');
        results.intake = await intakeScenario({ stack, sku, tokens, config: CONFIG.intake, progress });
        save();
      }
      if (SCENARIOS.includes('processes')) {
        step('scenario 1b: gateway intake at fixed rates, 1 vs 2 gateway processes on one port (the gateway alone)');
        results.intakeProcesses = await processesScenario({ stack, sku, tokens, config: CONFIG.processes, progress });
        save();
      }
    });
  }

  if (SCENARIOS.some((s) => ['settle', 'cost'].includes(s))) {
    await withStack({ name: 'saga' }, async (stack) => {
      const { sku, tokens } = await prepareSaga(stack);
      if (SCENARIOS.includes('settle')) {
        step('scenario 2: end-to-end settle (payment mock delay 0 ms)');
        results.settle = await settleScenario({ stack, sku, tokens, config: CONFIG.settle, progress });
        save();
      }
      if (SCENARIOS.includes('cost')) {
        step('scenario 5: cost curve');
        results.costCurve = await costCurveScenario({ stack, sku, tokens, config: CONFIG.cost, progress });
        save();
      }
    });
  }

  if (SCENARIOS.includes('reservation')) {
    step('scenario 3: reservation engine (bench/inventory, by the inventory engineer)');
    results.reservation = await reservationScenario({ progress });
    if (results.reservation.failed) step(`scenario 3 FAILED (reported as failed, no figures): ${results.reservation.note}`);
    save();
  }

  if (SCENARIOS.includes('flash')) {
    step('scenario 4: flash sale (fresh stack)');
    results.flashSale = await withStack({ name: 'flash' }, (stack) => flashSaleScenario({ stack, config: CONFIG.flash, progress }));
    save();
  }

  if (SCENARIOS.includes('profile')) {
    step('profile: node --cpu-prof on each service under closed-loop intake, then the saga draining it');
    const dir = mkdtempSync(join(tmpdir(), 'bench-prof-'));
    const argv = (name) => ['--cpu-prof', `--cpu-prof-dir=${join(dir, name)}`];
    const windowResult = await withStack({ name: 'profile', execArgv: { gateway: argv('gateway'), inventory: argv('inventory'), payment: argv('payment') } }, async (stack) => {
      const { sku, tokens } = await prepareSaga(stack);
      return settleWindow({ stack, sku, tokens, rate: null, seconds: CONFIG.profile.seconds, progress, label: 'profile' });
    });
    results.profile = { window: { intake: windowResult.intake, settle: windowResult.settle, processes: windowResult.processes }, services: {} };
    for (const name of ['gateway', 'inventory', 'payment']) {
      const files = existsSync(join(dir, name)) ? require('node:fs').readdirSync(join(dir, name)).filter((f) => f.endsWith('.cpuprofile')) : [];
      results.profile.services[name] = files.length ? summarizeProfile(join(dir, name, files[0])) : null;
    }
    save();
  }

  if (process.env.BENCH_BASELINE_REF || process.env.BENCH_BASELINE_DIR || process.env.BENCH_EXPERIMENT_DIR) {
    const ref = process.env.BENCH_BASELINE_REF ?? sh(`git -C ${process.env.BENCH_BASELINE_DIR ?? APP_ROOT} rev-parse --short HEAD`);
    const baseline = process.env.BENCH_BASELINE_DIR ?? (process.env.BENCH_BASELINE_REF ? buildBaseline(ref) : APP_ROOT);
    step(`before/after: ${ref} vs working tree, interleaved`);
    const rounds = QUICK ? 1 : Number(process.env.BENCH_COMPARE_ROUNDS ?? 3);
    const variants = [
      { label: `before (${ref})`, root: baseline },
      process.env.BENCH_EXPERIMENT_DIR
        ? { label: `experiment (${process.env.BENCH_EXPERIMENT_DIR.replace(ROOT + '/', '')})`, root: process.env.BENCH_EXPERIMENT_DIR }
        : { label: `after (${results.machine.gitCommit}${results.machine.gitDirty ? ' + working-tree changes' : ''})`, root: APP_ROOT },
      ...(process.env.BENCH_COMPARE_ENVS ?? '')
        .split(';')
        .filter(Boolean)
        .map((settings) => ({
          label: `after (${results.machine.gitCommit}, ${settings})`,
          root: APP_ROOT,
          env: Object.fromEntries(settings.split(',').map((setting) => setting.split('='))),
        })),
    ];
    const raw = Object.fromEntries(variants.map((v) => [v.label, []]));
    for (let r = 1; r <= rounds; r++) {
      for (const variant of variants) {
        const figures = await withStack({ name: variant.label, root: variant.root, env: variant.env }, async (stack) => {
          const { sku, tokens } = await prepareSaga(stack);
          progress(`${variant.label} round ${r}/${rounds}: intake max`);
          const intake = await run({ url: stack.gatewayUrl, requests: orderRequests({ tokens, sku, runId: `cmp-${r}-${Date.now()}` }), connections: 64, duration: CONFIG.intake.ladderSeconds });
          await stack.waitTerminal(new Date(0), 0, 180_000, ({ total, terminal }) => progress(`${variant.label}: draining ${terminal}/${total} terminal`));
          const drain = await settleWindow({ stack, sku, tokens, rate: null, seconds: CONFIG.settle.drainSeconds, progress, label: `${variant.label} drain` });
          const half = await settleWindow({ stack, sku, tokens, rate: 250, seconds: CONFIG.settle.seconds, progress, label: `${variant.label} 250/s` });
          // Issue 17's steady point: 500/s offered (open model), p50/p99 202 → terminal, Node CPU per order.
          const at500 = await settleWindow({ stack, sku, tokens, rate: 500, seconds: CONFIG.settle.seconds, progress, label: `${variant.label} 500/s` });
          const accepted500 = at500.intake.statusCodes['202'] ?? 0;
          const cpuAt500 = Object.fromEntries(['gateway', 'inventory', 'payment'].map((name) => [name, round((1000 * (at500.processes[name]?.cpuSeconds ?? 0)) / Math.max(1, accepted500), 3)]));
          const backlog = await backlogDrain({ stack, sku, tokens, seconds: CONFIG.settle.backlogSeconds, progress, label: `${variant.label} backlog` });
          // Last, as in scenario 1: the gateway alone (the saga's consumers no longer share the cores).
          await stack.processes.inventory.stop();
          await stack.processes.payment.stop();
          progress(`${variant.label} round ${r}/${rounds}: intake max, gateway alone`);
          // With the gateway's and PostgreSQL's CPU per accepted order (from /proc), as scenario 1 measures it
          // (PostgreSQL's includes whatever else the box asks of it meanwhile).
          const gatewayCpuBefore = processStats(stack.processes.gateway.pid)?.cpuSeconds ?? 0;
          const postgresCpuBefore = postgresCpuSeconds();
          const alone = await run({ url: stack.gatewayUrl, requests: orderRequests({ tokens, sku, runId: `cmp-alone-${r}-${Date.now()}` }), connections: 64, duration: CONFIG.intake.ladderSeconds });
          const accepted = alone.statusCodes['202'] ?? 0;
          const gatewayCpuSeconds = (processStats(stack.processes.gateway.pid)?.cpuSeconds ?? 0) - gatewayCpuBefore;
          const aloneGatewayCpuMsPerOrder = accepted ? round((1000 * gatewayCpuSeconds) / accepted, 3) : null;
          const alonePostgresCpuMsPerOrder = accepted ? round((1000 * (postgresCpuSeconds() - postgresCpuBefore)) / accepted, 3) : null;
          return { aloneGatewayCpuMsPerOrder, alonePostgresCpuMsPerOrder, intakeMax: intake.achievedRps, intakeP99AtMax: intake.p99Ms, intakeAloneMax: alone.achievedRps, intakeAloneP99: alone.p99Ms, settleCapacity: drain.settle.settleRate, settleP99At250: half.settle.p99Ms, settleP50At250: half.settle.p50Ms, intakeAt500: at500.intake.achievedRps, settleP50At500: at500.settle.p50Ms, settleP99At500: at500.settle.p99Ms, sustainedAt500: at500.sustained, cpuMsPerOrderAt500: cpuAt500, processesAtDrain: drain.processes, backlogSettleRate: backlog.settleRate, cpuMsPerOrder: backlog.cpuMsPerOrder, backlog };
        });
        raw[variant.label].push(figures);
      }
    }
    results.comparison = variants.map(({ label }) => ({
      label,
      intakeMax: median(raw[label].map((f) => f.intakeMax)),
      intakeAloneMax: median(raw[label].map((f) => f.intakeAloneMax)),
      settleCapacity: median(raw[label].map((f) => f.settleCapacity)),
      settleP50At250: median(raw[label].map((f) => f.settleP50At250)),
      settleP99At250: median(raw[label].map((f) => f.settleP99At250)),
      intakeAt500: median(raw[label].map((f) => f.intakeAt500)),
      settleP50At500: median(raw[label].map((f) => f.settleP50At500)),
      settleP99At500: median(raw[label].map((f) => f.settleP99At500)),
      cpuMsPerOrderAt500: Object.fromEntries(['gateway', 'inventory', 'payment'].map((name) => [name, median(raw[label].map((f) => f.cpuMsPerOrderAt500[name]))])),
      cpuMsPerOrderByService: Object.fromEntries(['gateway', 'inventory', 'payment'].map((name) => [name, median(raw[label].map((f) => f.cpuMsPerOrder[name]))])),
      backlogSettleRate: median(raw[label].map((f) => f.backlogSettleRate)),
      cpuMsPerOrder: median(raw[label].map((f) => f.cpuMsPerOrder.total)),
      aloneGatewayCpuMsPerOrder: median(raw[label].map((f) => f.aloneGatewayCpuMsPerOrder)),
      alonePostgresCpuMsPerOrder: median(raw[label].map((f) => f.alonePostgresCpuMsPerOrder)),
      runs: raw[label],
    }));
    save();
  }

  results.loadAfter = loadavg().map((v) => round(v, 2));
  results.finishedAt = new Date().toISOString();
  const file = save();
  results.charts = writeCharts(join(__dirname, 'charts'), results);
  save();
  writeReport(join(__dirname, 'REPORT.md'), results, file);
  step(`done in ${((Date.now() - started) / 60000).toFixed(1)} min: ${file.replace(ROOT + '/', '')}, bench/REPORT.md, bench/charts/`);
}

main().catch((error) => {
  console.error('\n[bench] failed:', error);
  process.exit(1);
});
