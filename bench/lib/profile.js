'use strict';
// Summarises V8 .cpuprofile files (node --cpu-prof): top self-time frames and the share
// of time per package (pg, typeorm, kafkajs, @nestjs, fastify, class-validator, ...).
const { readdirSync, readFileSync } = require('node:fs');
const { join } = require('node:path');
const { round } = require('./stack');

function owner(url) {
  if (!url) return '(native/V8)';
  const nm = url.lastIndexOf('node_modules/');
  if (nm >= 0) {
    const rest = url.slice(nm + 'node_modules/'.length).split('/');
    return rest[0].startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0];
  }
  if (url.startsWith('node:')) return 'node core';
  const dist = url.indexOf('/dist/');
  if (dist >= 0) return `app: ${url.slice(dist + 6).split('/').slice(0, 3).join('/')}`;
  return url;
}

function summarizeProfile(file, top = 15) {
  const profile = JSON.parse(readFileSync(file, 'utf8'));
  const total = profile.samples.length;
  const bySelf = new Map();
  const byOwner = new Map();
  for (const node of profile.nodes) {
    if (!node.hitCount) continue;
    const { functionName, url, lineNumber } = node.callFrame;
    const name = functionName || '(anonymous)';
    const short = url ? url.replace(/^.*node_modules\//, '').replace(/^.*\/dist\//, 'dist/').replace(/^file:\/\//, '') : '';
    const key = `${name} ${short}${url ? `:${lineNumber + 1}` : ''}`;
    bySelf.set(key, (bySelf.get(key) ?? 0) + node.hitCount);
    const group = ['(idle)', '(program)', '(garbage collector)'].includes(name) ? name : owner(url);
    byOwner.set(group, (byOwner.get(group) ?? 0) + node.hitCount);
  }
  const idle = byOwner.get('(idle)') ?? 0;
  const busy = total - idle;
  const pct = (n) => round((100 * n) / Math.max(1, busy), 1);
  return {
    samples: total,
    busyShare: round((100 * busy) / Math.max(1, total), 1),
    topFrames: [...bySelf].filter(([k]) => !k.startsWith('(idle)')).sort((a, b) => b[1] - a[1]).slice(0, top).map(([frame, n]) => ({ frame, selfPctOfBusy: pct(n) })),
    byPackage: [...byOwner].filter(([k]) => k !== '(idle)').sort((a, b) => b[1] - a[1]).slice(0, 14).map(([pkg, n]) => ({ package: pkg, selfPctOfBusy: pct(n) })),
  };
}

function summarizeDir(dir) {
  const files = readdirSync(dir).filter((f) => f.endsWith('.cpuprofile'));
  return files.map((f) => summarizeProfile(join(dir, f)));
}

module.exports = { summarizeProfile, summarizeDir };
