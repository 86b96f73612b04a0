'use strict';
// Writes bench/REPORT.md from one results file; the analysis written by people lives in
// bench/report-notes.md and is embedded as is.
const { existsSync, readFileSync, writeFileSync } = require('node:fs');
const { join, relative } = require('node:path');
const { ROOT, round } = require('./stack');
const { median } = require('./stats');

const fmt = (value, digits = 0) => (value === null || value === undefined || Number.isNaN(value) ? '–' : Number(value).toLocaleString('en-US', { maximumFractionDigits: digits }));
const pct = (value) => (value === null || value === undefined ? '–' : `${round(value * 100, 1)}%`);
const verdict = (ok) => (ok ? '**met**' : '**missed**');

/** When no fixed-rate step meets p99 < 50 ms: how far the rate and the latency are from the target. */
function intakeShortfall(intake) {
  const sustained = intake.curve.filter((p) => !p.saturated);
  const best = sustained[sustained.length - 1];
  const first = intake.curve[0];
  return [
    `closed loop ${pct(intake.gatewayMaxRps / 2000)} of the rate`,
    best ? `highest sustained step ${fmt(best.offered)}/s at p99 ${fmt(best.p99Ms)} ms` : null,
    first ? `lowest step ${fmt(first.offered)}/s at p99 ${fmt(first.p99Ms)} ms` : null,
  ].filter(Boolean).join('; ');
}

function targets(r) {
  const rows = [];
  if (r.intake) {
    const knee = r.intake.kneeUnderP99_50ms;
    const ratio = r.intake.ratios.gatewayToNestEmpty;
    rows.push(['Gateway intake ≥ 2,000 orders/s with p99 < 50 ms', knee ? `${fmt(knee.achievedRps)}/s at p99 ${fmt(knee.p99Ms)} ms (highest fixed-rate step under 50 ms); closed-loop max ${fmt(r.intake.gatewayMaxRps)}/s` : `no step under p99 50 ms; closed-loop max ${fmt(r.intake.gatewayMaxRps)}/s`, verdict(knee && knee.achievedRps >= 2000), knee ? `${pct(knee.achievedRps / 2000)} of target` : intakeShortfall(r.intake)]);
    rows.push(['Intake ≥ 30% of the Nest empty handler (same run)', `${pct(ratio)} (${fmt(r.intake.gatewayMaxRps)} vs ${fmt(r.intake.ladder['nest-empty'].medianRps)}/s)`, verdict(ratio >= 0.3), `${round(ratio / 0.3, 2)}× the target ratio`]);
  }
  if (r.intakeProcesses) {
    const p = r.intakeProcesses;
    // Judged on the offered rate of the knee (the open-model generator delivers the offered rate
    // give or take a request at the window's edges: 1,999/s achieved of 2,000 offered).
    const kneeOffered = (n) => median(p.processes[n].runs.map((curve) => curve.filter((point) => !point.saturated && point.p99Ms < 50).pop()?.offered ?? 0));
    const p99At2000 = (n) => p.processes[n].runs.map((curve) => fmt(curve.find((point) => point.offered === 2000)?.p99Ms)).join(' / ');
    rows.push([
      'Issue 17: intake, gateway alone, fixed rate ≥ 2,000/s at p99 < 50 ms (1 vs 2 processes on one port)',
      `1 process ${fmt(p.processes[1].kneeRps)}/s, 2 processes ${fmt(p.processes[2].kneeRps)}/s (${p.speedup}×); p99 at 2,000/s offered, per round: 1 process ${p99At2000(1)} ms, 2 processes ${p99At2000(2)} ms; closed loop ${fmt(p.processes[1].closedLoopMaxRps)} vs ${fmt(p.processes[2].closedLoopMaxRps)}/s (${p.closedLoopSpeedup}×); gateway CPU per order at the knee ${fmt(p.processes[1].gatewayCpuMsPerOrderAtKnee, 2)} ms (1 process)`,
      verdict(Math.max(kneeOffered(1), kneeOffered(2)) >= 2000),
      `estimate: ${p.processesFor2000Estimate} processes on cores of their own for 2,000/s`,
    ]);
  }
  if (r.settle) {
    const cap = r.settle.capacity.settleRate;
    const half = r.settle.atHalfCapacity;
    rows.push(['End-to-end settle ≥ 1,000 orders/s sustained', `${fmt(cap)} orders/s (drain rate)`, verdict(cap >= 1000), `${pct(cap / 1000)} of target`]);
    rows.push(['p99 202→terminal < 1 s at half that rate', `p99 ${fmt(half.p99Ms)} ms at ${half.offered}/s (half of the *measured* capacity)`, verdict(half.p99Ms < 1000 && half.offered >= 500), half.offered < 500 ? `at ${half.offered}/s, not at 500/s` : '']);
  }
  if (r.settle?.backlog) {
    const b = r.settle.backlog;
    const minimal = r.settle.minimalPipeline;
    const ratio = r.settle.ratioBacklogToMinimal;
    rows.push([
      'Issue 17: settle sustained ≥ 1,000 orders/s and ≥ 50% of the minimal pipeline',
      `${fmt(b.settleRate)} orders/s (backlog drain); minimal pipeline ${fmt(minimal?.ordersPerSecond)} orders/s; ratio ${pct(ratio)}`,
      verdict(b.settleRate >= 1000 && ratio >= 0.5),
      `${pct(b.settleRate / 1000)} of 1,000/s; ${pct(ratio)} of the rung`,
    ]);
    rows.push([
      'Issue 17: Node CPU per order, three services together ≤ 1.5 ms',
      `${fmt(b.cpuMsPerOrder.total, 2)} ms (gateway ${fmt(b.cpuMsPerOrder.gateway, 2)}, inventory ${fmt(b.cpuMsPerOrder.inventory, 2)}, payment ${fmt(b.cpuMsPerOrder.payment, 2)}); minimal pipeline ${fmt(minimal?.nodeCpuMsPerOrder, 2)} ms`,
      verdict(b.cpuMsPerOrder.total <= 1.5),
      `${round(b.cpuMsPerOrder.total / 1.5, 2)}× the budget`,
    ]);
    rows.push([
      'Issue 17: p99 202 → terminal < 1 s at 500 orders/s offered',
      `p99 ${fmt(r.settle.at500.p99Ms)} ms, p50 ${fmt(r.settle.at500.p50Ms)} ms (intake achieved ${fmt(r.settle.at500.intakeRps)}/s; sustained: ${r.settle.at500.sustained ? 'yes' : 'no'})`,
      verdict(r.settle.at500.p99Ms < 1000 && r.settle.at500.intakeRps >= 485),
      r.settle.at500.intakeRps < 485 ? 'intake below the offered rate' : '',
    ]);
  }
  if (r.reservation?.available) {
    const ratios = r.reservation.ratios;
    rows.push(['Redis reservation path ≥ 50% of bare EVALSHA', pct(ratios.redisPathVsBareEvalsha), verdict(ratios.redisPathVsBareEvalsha >= 0.5), '']);
    rows.push(['Redis path ≥ 10× the Postgres path', `${ratios.redisPathOverPostgresPath}×`, verdict(ratios.redisPathOverPostgresPath >= 10), '']);
  } else if (r.reservation?.failed) {
    for (const target of ['Redis reservation path ≥ 50% of bare EVALSHA', 'Redis path ≥ 10× the Postgres path']) {
      rows.push([target, 'not measured: bench/inventory/run.js failed (section 3)', '**failed**', '']);
    }
  }
  if (r.flashSale) {
    const f = r.flashSale;
    rows.push(['Flash sale: exactly 100 sold, all 10,000 terminal, no 5xx', `${f.confirmed} confirmed, ${f.assertions.everyOrderTerminal ? 'all' : 'NOT all'} terminal after ${fmt(f.allTerminalSeconds, 1)} s, 5xx: ${f.assertions.no5xx ? 0 : 'yes'}`, verdict(f.passed), '']);
    rows.push(['Issue 17: flash sale all terminal ≤ 10 s, exactly 100 sold', `all terminal after ${fmt(f.allTerminalSeconds, 1)} s (intake alone took ${fmt(f.intake.seconds, 1)} s)`, verdict(f.passed && f.allTerminalSeconds <= 10), '']);
  }
  return rows;
}

function table(headers, rows) {
  return [`| ${headers.join(' | ')} |`, `|${headers.map(() => '---').join('|')}|`, ...rows.map((row) => `| ${row.join(' | ')} |`)].join('\n');
}

function writeReport(file, r, resultsFile) {
  const m = r.machine;
  const lines = [];
  lines.push('# Capacity benchmarks (issues 9 and 17)');
  lines.push('');
  lines.push('Reproduce (starts PostgreSQL/Redis/Kafka if they are down, builds if needed, then runs every scenario');
  lines.push('against its own database, topic prefix, Redis prefix and ports; about 15–25 minutes):');
  lines.push('');
  lines.push('```bash');
  lines.push('npm run bench            # BENCH_QUICK=1 for a smoke run; BENCH_BASELINE_REF=<git ref> adds before/after figures');
  lines.push('```');
  if (r.command) lines.push('', `This report: \`${r.command}\` on ${m.gitCommit}.`);
  lines.push('');
  lines.push(`Generated from \`${relative(ROOT, resultsFile)}\` (${r.startedAt} → ${r.finishedAt}${r.quick ? ', QUICK mode: one round, short windows' : ', every figure the median of 3 rounds unless stated'}).`);
  lines.push('');
  lines.push('## Machine');
  lines.push('');
  lines.push(table(['what', 'value'], [
    ['CPU', `${m.cores} × ${m.cpuModel}`], ['memory', `${m.memoryGiB} GiB`], ['OS', `${m.os}, kernel ${m.kernel}`], ['Node', m.node],
    ['PostgreSQL', `${m.postgres}, synchronous_commit=${m.synchronousCommit}, fsync=${m.fsync}, shared_buffers=${m.sharedBuffers}`],
    ['Redis', m.redis], ['Kafka', `${m.kafka} (one broker, KRaft), kafkajs ${m.kafkajs}, producer acks=${m.kafkaProducerAcks}`],
    ['load generator', `autocannon ${m.autocannon} (in the bench process, same 2 cores), -p 1; pgbench: ${m.pgbench}`],
    ['load average', `before ${r.loadBefore?.join(' ')} / after ${r.loadAfter?.join(' ')} — the 2 cores are shared (other engineers' work, plus everything under test and the load generator); absolute figures are noisy, ratios within one run are what to read`],
    ['code', `${m.gitCommit}${m.gitDirty ? ' + uncommitted changes in apps/libs' : ''}`],
  ]));
  lines.push('');
  lines.push('## Targets and figures');
  lines.push('');
  lines.push(table(['target (issue 9)', 'measured', 'verdict', 'by how much'], targets(r)));
  lines.push('');
  const notes = join(ROOT, 'bench/report-notes.md');
  if (existsSync(notes)) {
    lines.push(readFileSync(notes, 'utf8').trim());
    lines.push('');
  }

  if (r.comparison) {
    lines.push(`## Before/after (measured in this run, ${r.comparison[0]?.runs.length ?? (r.quick ? 1 : 3)} interleaved rounds, medians)`);
    lines.push('');
    lines.push('Each round, each build on a fresh stack with the whole saga running: closed-loop intake 6 s (64 connections), then the drain rate after 8 s of closed-loop intake, then 10 s offered at 250/s (time-to-terminal includes any backlog), then the backlog drain (inventory and payment stopped during 12 s of closed-loop intake, then started: orders / (last terminal − first reservation), and the three services\' CPU per order from /proc); last, inventory and payment stopped, closed-loop intake of the gateway alone (as in scenario 1).');
    lines.push('');
    lines.push(table(['build', 'intake max orders/s (saga running)', 'intake max orders/s (gateway alone)', 'settle capacity orders/s', 'settle p50 at 250/s ms', 'settle p99 at 250/s ms', 'backlog drain orders/s', 'Node CPU ms per order (3 services)'], r.comparison.map((c) => [c.label, fmt(c.intakeMax), fmt(c.intakeAloneMax), fmt(c.settleCapacity), fmt(c.settleP50At250), fmt(c.settleP99At250), fmt(c.backlogSettleRate), fmt(c.cpuMsPerOrder, 2)])));
    lines.push('');
    lines.push(`Rounds (backlog drain orders/s; CPU ms per order): ${r.comparison.map((c) => `${c.label}: ${c.runs.map((f) => `${fmt(f.backlogSettleRate)}; ${fmt(f.cpuMsPerOrder?.total, 2)}`).join(' | ')}`).join(' — ')}.`);
    lines.push('');
    if (r.comparison.some((c) => c.settleP99At500 != null || c.aloneGatewayCpuMsPerOrder != null)) {
      const cpu = (c) => (c.cpuMsPerOrderAt500 ? ['gateway', 'inventory', 'payment'].map((name) => fmt(c.cpuMsPerOrderAt500[name], 2)).join(' / ') : '–');
      lines.push('At a steady 500 orders/s offered (open model, 10 s, the saga running; time to terminal includes any backlog), and the gateway alone:');
      lines.push('');
      lines.push(
        table(
          ['build', 'intake achieved at 500/s', 'p50 202→terminal ms', 'p99 202→terminal ms', 'Node CPU ms per order at 500/s (gateway / inventory / payment)', 'gateway alone: gateway / PostgreSQL CPU ms per accepted order'],
          r.comparison.map((c) => [c.label, fmt(c.intakeAt500), fmt(c.settleP50At500), fmt(c.settleP99At500), cpu(c), `${fmt(c.aloneGatewayCpuMsPerOrder, 3)} / ${fmt(c.alonePostgresCpuMsPerOrder, 3)}`]),
        ),
      );
      lines.push('');
    }
    if (r.charts?.['before-after']) lines.push(`![before/after](charts/${r.charts['before-after']})\n`);
  }

  if (r.intake) {
    const i = r.intake;
    lines.push('## 1. Gateway intake — `POST /orders`');
    lines.push('');
    lines.push('Each request: a distinct `Idempotency-Key`, users round-robin over 2,000 pre-signed tokens (rate limit raised to 10^6/min), one item, skus round-robin over 32 products, `paymentMethod: pm_card_ok`. The gateway runs alone (inventory and payment stopped once the catalog is in), so intake figures are not mixed with the saga draining earlier steps; its outbox relay still publishes every OrderCreated to Kafka.');
    lines.push('');
    lines.push('### Ladder of bare limits (closed loop, 64 connections; pgbench 16 clients)');
    lines.push('');
    const ladderRows = [
      ['bare node:http (JSON body parsed)', i.ladder['node-http'].medianRps, ''],
      ['Nest + Fastify adapter, empty handler', i.ladder['nest-empty'].medianRps, `${pct(i.ratios.nestEmptyToNodeHttp)} of node:http`],
      ['+ strict ValidationPipe on the real CreateOrderDto + HS256 verify, secret as a string (the gateway before f4b8229)', i.ladder['nest-validate'].medianRps, `${pct(i.ratios.nestValidateToNestEmpty)} of empty`],
      ['same, secret as a KeyObject created once (the gateway since f4b8229)', i.ladder['nest-validate-key']?.medianRps, `${round(i.ratios.nestValidateKeyObjectToString ?? 0, 2)}× the string-secret rung, ${pct((i.ladder['nest-validate-key']?.medianRps ?? 0) / i.ladder['nest-empty'].medianRps)} of empty`],
      ['pgbench -M prepared: the endpoint\'s exact SQL (the claim with the price read, then the one statement that writes the order)', i.ladder.pgbench.medianRps, 'transactions/s'],
      ['**gateway POST /orders** (real endpoint)', i.ladder.gateway.medianRps, `${pct(i.ratios.gatewayToNestEmpty)} of Nest empty, ${pct(i.ratios.gatewayToPgbench)} of pgbench`],
    ];
    lines.push(table(['rung', 'per second (median of rounds)', 'ratio'], ladderRows.map(([a, b, c]) => [a, fmt(b), c])));
    lines.push('');
    if (r.charts?.['intake-ladder']) lines.push(`![ladder](charts/${r.charts['intake-ladder']})\n`);
    lines.push('### Fixed-rate steps (open model: autocannon -R with ≥ rate/10 connections)');
    lines.push('');
    lines.push(table(['offered/s', 'achieved/s', 'p50 ms', 'p97.5 ms', 'p99 ms', '5xx', 'past the knee'], i.curve.map((p) => [fmt(p.offered), fmt(p.achievedRps), fmt(p.p50Ms), fmt(p.p97_5Ms), fmt(p.p99Ms), fmt(p.fiveXx), p.saturated ? 'yes (achieved < 97% offered: latency understated)' : 'no'])));
    lines.push('');
    if (r.charts?.['intake-latency']) lines.push(`![intake latency](charts/${r.charts['intake-latency']})\n`);
  }

  if (r.settle) {
    const s = r.settle;
    lines.push('## 2. End-to-end settle — 202 → CONFIRMED (payment mock delay set to 0 ms)');
    lines.push('');
    lines.push('Time-to-terminal is read from each order\'s own history: `created_at` (stamped just before the 202 is sent) to the timestamp of its terminal history entry. Capacity = orders settled / (last terminal − first accepted) when the intake runs closed-loop for a few seconds and the saga drains it.');
    lines.push('');
    lines.push(table(['what', 'figure'], [
      ['settle capacity (drain rate)', `${fmt(s.capacity.settleRate)} orders/s (intake meanwhile ${fmt(s.capacity.intakeRps)}/s; p50 ${fmt(s.capacity.p50Ms)} ms, p99 ${fmt(s.capacity.p99Ms)} ms while a backlog drains)`],
      [`fixed rate ${s.atHalfCapacity.offered}/s (half capacity)`, `p50 ${fmt(s.atHalfCapacity.p50Ms)} ms, p95 ${fmt(s.atHalfCapacity.p95Ms)} ms, p99 ${fmt(s.atHalfCapacity.p99Ms)} ms; sustained: ${s.atHalfCapacity.sustained ? 'yes' : 'no'}`],
      ['bare: kafkajs produce→consume, closed loop', `${fmt(s.kafkaRoundTrip.closedLoopMsgPerS)} messages/s (acks=all, idempotent, batches of 100, 6 partitions)`],
      [`bare: kafkajs round trip at ${s.atHalfCapacity.offered}/s`, `p50 ${fmt(s.kafkaRoundTrip.atHalfRate.p50Ms, 1)} ms, p95 ${fmt(s.kafkaRoundTrip.atHalfRate.p95Ms, 1)} ms, p99 ${fmt(s.kafkaRoundTrip.atHalfRate.p99Ms, 1)} ms (one hop; an order takes 5 hops + 5 outbox relays)`],
      ['ratio', `settle capacity / kafka messages/s = ${pct(s.ratioSettleToKafkaMessages)} (an order is 5 consumed events + 1 catalog snapshot)`],
      ...(s.backlog
        ? [
            ['**backlog drain** (inventory and payment stopped while the gateway accepts, then started): settle capacity with intake out of the way', `**${fmt(s.backlog.settleRate)} orders/s** (rounds ${s.backlog.runs.map((b) => fmt(b.settleRate)).join(' / ')}; ${fmt(s.backlog.runs[0]?.orders)} orders each)`],
            ['Node CPU per order while draining (from /proc)', `gateway ${fmt(s.backlog.cpuMsPerOrder.gateway, 2)} ms + inventory ${fmt(s.backlog.cpuMsPerOrder.inventory, 2)} ms + payment ${fmt(s.backlog.cpuMsPerOrder.payment, 2)} ms = **${fmt(s.backlog.cpuMsPerOrder.total, 2)} ms**; Postgres backends ${fmt(s.backlog.postgresCpuMsPerOrder, 2)} ms`],
            ['fixed rate 500/s offered', `intake ${fmt(s.at500.intakeRps)}/s; p50 ${fmt(s.at500.p50Ms)} ms, p99 ${fmt(s.at500.p99Ms)} ms; sustained: ${s.at500.sustained ? 'yes' : 'no'}`],
            ['bare: **minimal pipeline** (hand-written kafkajs + pg, same six hops, same batching and durability)', `${fmt(s.minimalPipeline.ordersPerSecond)} orders/s (${fmt(s.minimalPipeline.orders)} orders in ${fmt(s.minimalPipeline.seconds, 1)} s), ${fmt(s.minimalPipeline.nodeCpuMsPerOrder, 3)} ms of Node CPU per order; the saga's backlog drain is ${pct(s.ratioBacklogToMinimal)} of it`],
          ]
        : []),
    ]));
    lines.push('');
    if (r.charts?.['settle-latency']) lines.push(`![settle latency](charts/${r.charts['settle-latency']})\n`);
  }

  lines.push('## 3. Reservation engine');
  lines.push('');
  if (r.reservation?.available) {
    lines.push('From `bench/inventory/run.js` (the inventory engineer\'s benchmark, run by `npm run bench` in the same session):');
    lines.push('');
    lines.push(table(['what', 'callers', 'per second', 'p50 ms', 'p99 ms'], r.reservation.results.map((x) => [x.name, x.callers, fmt(x.perSecond), fmt(x.p50, 2), fmt(x.p99, 2)])));
    lines.push('');
    lines.push(table(['ratio', 'value'], Object.entries(r.reservation.ratios).map(([k, v]) => [k, v])));
    lines.push('');
    lines.push('Their own report and chart: [bench/inventory/REPORT.md](inventory/REPORT.md).');
  } else if (r.reservation?.failed) {
    lines.push('**FAILED in this run: no figures.** `bench/inventory/run.js` did not produce a valid result:');
    lines.push('');
    lines.push('```');
    lines.push(r.reservation.note);
    lines.push('```');
  } else {
    lines.push(`Not measured in this run: ${r.reservation?.note ?? 'scenario not selected'}.`);
  }
  lines.push('');

  if (r.flashSale) {
    const f = r.flashSale;
    lines.push(`## 4. Flash sale — ${fmt(f.buyers)} distinct buyers, one sku with ${f.units} units, all at once`);
    lines.push('');
    lines.push(`${f.connections} connections, every buyer one request, no rate. Intake took ${fmt(f.intake.seconds, 1)} s (${fmt(f.intake.achievedRps)}/s, p50 ${fmt(f.intake.p50Ms)} ms, p99 ${fmt(f.intake.p99Ms)} ms); every order terminal after **${fmt(f.allTerminalSeconds, 1)} s**. Status codes: ${JSON.stringify(f.intake.statusCodes)}.`);
    lines.push('');
    lines.push(table(['assertion', 'result'], Object.entries(f.assertions).map(([k, v]) => [k, v ? 'pass' : '**FAIL**'])));
    lines.push('');
    lines.push(`Outcomes: ${f.statuses.map((s) => `${s.status}${s.cancel_reason ? `/${s.cancel_reason}` : ''} ${fmt(s.n)}`).join(', ')}; stock afterwards ${JSON.stringify(f.stock)}.`);
    lines.push('');
    if (r.charts?.['flash-sale']) lines.push(`![flash sale](charts/${r.charts['flash-sale']})\n`);
  }

  if (r.costCurve) {
    const c = r.costCurve;
    lines.push(`## 5. Cost curve — 1×, 2×, 4× of ${c.baseRate} orders/s, ${c.seconds} s each`);
    lines.push('');
    lines.push(table(['load', 'intake achieved/s (p99 ms)', 'settle p50 ms', 'p95 ms', 'p99 ms', 'saga kept up with the intake', 'gateway RSS MiB / CPU %', 'inventory RSS / CPU', 'payment RSS / CPU', 'postgres CPU %', 'kafka CPU %', 'redis CPU %'],
      c.points.map((p) => [
        `${p.multiplier}× (${p.offered}/s)`, `${fmt(p.intake?.achievedRps)} (${fmt(p.intake?.p99Ms)})${p.intake && p.intake.achievedRps < p.offered * 0.97 ? ' — below offered' : ''}`, fmt(p.settle.p50Ms), fmt(p.settle.p95Ms), fmt(p.settle.p99Ms), p.sustained ? 'yes' : 'no',
        ...['gateway', 'inventory', 'payment'].map((s) => `${fmt(p.processes[s]?.peakRssMiB)} / ${fmt(p.processes[s]?.cpuPercent)}`),
        fmt(p.processes.postgresAllBackends?.cpuPercent), fmt(p.processes.kafka?.cpuPercent), fmt(p.processes.redis?.cpuPercent),
      ])));
    lines.push('');
    lines.push('CPU % is of one core (200% = the whole machine), averaged over the window including the drain; postgres is the whole server from /proc: postmaster, live backends and the backends it reaped (other engineers\' tests included). "Saga kept up" compares the last settle with the last *accepted* order: where the intake fell below the offered rate, it says nothing about the offered rate.');
    lines.push('');
    if (r.charts?.['cost-curve']) lines.push(`![cost curve](charts/${r.charts['cost-curve']})\n`);
  }

  if (r.profile) {
    lines.push('## Profiles (`node --cpu-prof`, closed-loop intake then the drain)');
    lines.push('');
    lines.push(`Window: intake ${fmt(r.profile.window.intake.achievedRps)}/s, settle ${fmt(r.profile.window.settle.settleRate)}/s; CPU % per process: ${Object.entries(r.profile.window.processes).map(([k, v]) => `${k} ${fmt(v.cpuPercent)}`).join(', ')}.`);
    lines.push('');
    for (const [name, p] of Object.entries(r.profile.services)) {
      if (!p) continue;
      lines.push(`### ${name} (busy ${p.busyShare}% of samples)`);
      lines.push('');
      lines.push(table(['package (self time)', '% of busy'], p.byPackage.slice(0, 10).map((x) => [x.package, x.selfPctOfBusy])));
      lines.push('');
      lines.push('<details><summary>top self-time frames</summary>\n');
      lines.push(table(['frame', '% of busy'], p.topFrames.map((x) => [`\`${x.frame.replace(/\|/g, '\\|')}\``, x.selfPctOfBusy])));
      lines.push('\n</details>\n');
    }
  }
  writeFileSync(file, lines.join('\n') + '\n');
}

module.exports = { writeReport };
