'use strict';
// Charts rendered server-side to SVG by Apache ECharts (no DOM, no browser).
const echarts = require('echarts');
const { writeFileSync, mkdirSync } = require('node:fs');
const { join } = require('node:path');

function render(option, width = 760, height = 380) {
  const chart = echarts.init(null, null, { renderer: 'svg', ssr: true, width, height });
  chart.setOption({ animation: false, backgroundColor: '#ffffff', textStyle: { fontFamily: 'sans-serif' }, ...option });
  const svg = chart.renderToSVGString();
  chart.dispose();
  return svg;
}

const base = (title, subtitle) => ({
  title: { text: title, subtext: subtitle, left: 'center', textStyle: { fontSize: 14 } },
  grid: { left: 70, right: 30, top: 70, bottom: 60 },
  legend: { bottom: 5 },
});

function ladderChart(intake) {
  const rungs = [
    ['node:http', intake.ladder['node-http']?.medianRps],
    ['Nest empty', intake.ladder['nest-empty']?.medianRps],
    ['Nest + validation + JWT', intake.ladder['nest-validate']?.medianRps],
    ['+ KeyObject secret', intake.ladder['nest-validate-key']?.medianRps],
    ['pgbench: endpoint SQL', intake.ladder.pgbench?.medianRps],
    ['gateway POST /orders', intake.ladder.gateway?.medianRps],
  ];
  return render({
    ...base('Ladder of bare limits (closed loop, median of 3)', 'requests or transactions per second, same run, same machine'),
    xAxis: { type: 'category', data: rungs.map((r) => r[0]), axisLabel: { interval: 0, fontSize: 11 } },
    yAxis: { type: 'value', name: 'per second' },
    series: [{ type: 'bar', data: rungs.map((r) => r[1]), label: { show: true, position: 'top' }, itemStyle: { color: '#5470c6' } }],
  });
}

function intakeCurveChart(intake) {
  const xs = intake.curve.map((p) => String(p.offered));
  return render({
    ...base('Gateway intake: latency vs offered rate (fixed rate, median of 3)', 'autocannon -R, -p 1; the target is p99 < 50 ms'),
    xAxis: { type: 'category', name: 'offered orders/s', nameLocation: 'middle', nameGap: 30, data: xs },
    yAxis: [{ type: 'log', name: 'latency ms (log)', min: 1 }, { type: 'value', name: 'achieved orders/s', position: 'right' }],
    series: [
      { name: 'p50', type: 'line', data: intake.curve.map((p) => p.p50Ms) },
      { name: 'p97.5', type: 'line', data: intake.curve.map((p) => p.p97_5Ms) },
      { name: 'p99', type: 'line', data: intake.curve.map((p) => p.p99Ms), markLine: { silent: true, data: [{ yAxis: 50, name: 'target' }], lineStyle: { type: 'dashed', color: '#c00' } } },
      { name: 'achieved/s', type: 'bar', yAxisIndex: 1, data: intake.curve.map((p) => p.achievedRps), itemStyle: { opacity: 0.25 } },
    ],
  });
}

function settleChart(settle, costCurve) {
  const points = costCurve?.points ?? [];
  const labels = [...points.map((p) => `${p.offered}/s (${p.multiplier}x)`), `${settle.atHalfCapacity.offered}/s (½ capacity)`];
  const values = (key) => [...points.map((p) => p.settle[key]), settle.atHalfCapacity[key]];
  return render({
    ...base('End-to-end settle: 202 → terminal', 'payment mock delay 0 ms; bars: kafkajs round trip p99 at ½ capacity rate for scale'),
    xAxis: { type: 'category', data: labels, axisLabel: { fontSize: 11 } },
    yAxis: { type: 'log', name: 'ms (log)', min: 1 },
    series: [
      { name: 'p50', type: 'line', data: values('p50Ms') },
      { name: 'p95', type: 'line', data: values('p95Ms') },
      { name: 'p99', type: 'line', data: values('p99Ms'), markLine: { silent: true, data: [{ yAxis: 1000 }], lineStyle: { type: 'dashed', color: '#c00' } } },
      { name: 'kafka round trip p99', type: 'bar', data: [...points.map(() => null), settle.kafkaRoundTrip.atHalfRate.p99Ms], itemStyle: { opacity: 0.4 } },
    ],
  });
}

function costChart(costCurve) {
  const points = costCurve.points;
  const labels = points.map((p) => `${p.multiplier}x (${p.offered}/s)`);
  const services = ['gateway', 'inventory', 'payment'];
  return render({
    ...base('Cost curve: peak RSS and CPU per service vs load', 'RSS MiB (bars), CPU % of one core (lines)'),
    xAxis: { type: 'category', data: labels },
    yAxis: [{ type: 'value', name: 'peak RSS MiB' }, { type: 'value', name: 'CPU %', position: 'right' }],
    series: [
      ...services.map((s) => ({ name: `${s} RSS`, type: 'bar', data: points.map((p) => p.processes[s]?.peakRssMiB ?? null) })),
      ...services.map((s) => ({ name: `${s} CPU`, type: 'line', yAxisIndex: 1, data: points.map((p) => p.processes[s]?.cpuPercent ?? null) })),
      { name: 'postgres CPU', type: 'line', yAxisIndex: 1, lineStyle: { type: 'dashed' }, data: points.map((p) => p.processes.postgresAllBackends?.cpuPercent ?? null) },
    ],
  }, 820, 400);
}

function flashSaleChart(flash) {
  return render({
    ...base(`Flash sale: ${flash.buyers} buyers, ${flash.units} units`, 'orders accepted and terminal over time'),
    xAxis: { type: 'value', name: 's', nameLocation: 'middle', nameGap: 30 },
    yAxis: { type: 'value', name: 'orders' },
    series: [
      { name: 'accepted', type: 'line', showSymbol: false, data: flash.timeline.map((p) => [p.t, p.total]) },
      { name: 'terminal', type: 'line', showSymbol: false, data: flash.timeline.map((p) => [p.t, p.terminal]) },
    ],
  });
}

function comparisonChart(comparison) {
  const labels = comparison.map((c) => c.label);
  return render({
    ...base('Before/after (same run, interleaved rounds)', 'settle capacity orders/s and gateway intake orders/s (saga running, gateway alone)'),
    xAxis: { type: 'category', data: ['settle capacity /s', 'intake max /s (saga running)', 'intake max /s (gateway alone)'] },
    yAxis: { type: 'value' },
    series: comparison.map((c) => ({ name: c.label, type: 'bar', label: { show: true, position: 'top' }, data: [c.settleCapacity, c.intakeMax, c.intakeAloneMax ?? null] })),
  });
  void labels;
}

function writeCharts(dir, results) {
  mkdirSync(dir, { recursive: true });
  const written = {};
  const put = (name, svg) => {
    writeFileSync(join(dir, `${name}.svg`), svg);
    written[name] = `${name}.svg`;
  };
  if (results.intake) {
    put('intake-ladder', ladderChart(results.intake));
    put('intake-latency', intakeCurveChart(results.intake));
  }
  if (results.settle) put('settle-latency', settleChart(results.settle, results.costCurve));
  if (results.costCurve) put('cost-curve', costChart(results.costCurve));
  if (results.flashSale) put('flash-sale', flashSaleChart(results.flashSale));
  if (results.comparison?.length) put('before-after', comparisonChart(results.comparison));
  return written;
}

module.exports = { writeCharts };
