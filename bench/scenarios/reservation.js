'use strict';
// Scenario 3: the reservation engine. The benchmark itself belongs to the inventory
// engineer (bench/inventory/run.js: engine Redis path, Postgres path, redis-benchmark
// EVALSHA and pgbench bare limits, one run); this runs it as a child process and takes
// its results.json into the combined results. Their committed output files are put back
// afterwards so that `npm run bench` does not rewrite another engineer's report.
// A failed run is reported as failed (`failed: true` and why), never with the figures of
// an earlier run: the committed outputs are moved out of the way while it runs, and a rung
// with failed calls is refused.
const { spawn } = require('node:child_process');
const { existsSync, readFileSync, rmSync, writeFileSync } = require('node:fs');
const { join } = require('node:path');
const { ROOT } = require('../lib/stack');

const DIR = join(ROOT, 'bench/inventory');
const OUTPUTS = ['results.json', 'REPORT.md', 'chart.svg'];

/** The end of the child's output (where its error is), without terminal colours. */
const lastLines = (output) => output.replace(/\x1b\[[0-9;]*m/g, '').slice(-1500);

async function reservationScenario({ progress, seconds = 8 }) {
  if (!existsSync(join(DIR, 'run.js'))) return { available: false, note: 'bench/inventory/run.js is not there yet' };
  const saved = Object.fromEntries(OUTPUTS.filter((f) => existsSync(join(DIR, f))).map((f) => [f, readFileSync(join(DIR, f))]));
  for (const file of Object.keys(saved)) rmSync(join(DIR, file));
  try {
    await new Promise((resolve, reject) => {
      const child = spawn(process.execPath, [join(DIR, 'run.js')], { cwd: ROOT, env: { ...process.env, BENCH_SECONDS: String(seconds) }, stdio: ['ignore', 'pipe', 'pipe'] });
      let tail = '';
      const onData = (chunk) => {
        tail = (tail + chunk).slice(-4000);
        const line = String(chunk).trim().split('\n').pop();
        if (line) progress(`reservation engine: ${line.slice(0, 100)}`);
      };
      child.stdout.on('data', onData);
      child.stderr.on('data', onData);
      child.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`bench/inventory/run.js exited ${code}: …${lastLines(tail)}`))));
    });
    if (!existsSync(join(DIR, 'results.json'))) throw new Error('bench/inventory/run.js exited 0 but wrote no results.json');
    const output = JSON.parse(readFileSync(join(DIR, 'results.json'), 'utf8'));
    const failed = output.results.filter((row) => row.errors > 0 || !(row.perSecond > 0));
    if (failed.length > 0) throw new Error(`bench/inventory/run.js reported failed rungs: ${failed.map((row) => `${row.name} (${row.errors} errors)`).join('; ')}`);
    return { available: true, source: 'bench/inventory/run.js', ...output };
  } catch (error) {
    return { available: false, failed: true, note: String(error.message).slice(0, 2000) };
  } finally {
    for (const [file, content] of Object.entries(saved)) writeFileSync(join(DIR, file), content);
  }
}

module.exports = { reservationScenario };
