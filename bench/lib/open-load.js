'use strict';
// A fixed-rate (open model) load generator: request i is due at start + i / rate, evenly spaced,
// and its latency is measured from that due time, so a slow answer cannot hold the next requests
// back unseen (no coordinated omission).
//
// Why not autocannon's -R: it refills a per-connection quota once a second and each connection
// then sends back to back until the quota is spent, so "250/s" is a closed-loop burst at the
// start of every second, and its latencies are the burst's queueing (p50 41 ms at 250/s offered
// where one request alone takes ~5 ms, seen in bench/results/2026-11-30T12-18-56-309Z.json).
const http = require('node:http');
const { round } = require('./stack');

function percentile(sorted, p) {
  if (sorted.length === 0) return null;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

/**
 * Offers `rate` requests/s for `duration` seconds (or `amount` requests). `requests` is the
 * autocannon-style list from orderRequests(); its setupRequest() gives each request's headers and body.
 */
function openLoad({ url, requests, rate, duration, amount, connections, timeout = 10 }) {
  const target = new URL(url);
  const template = requests[0];
  const total = amount ?? Math.round(rate * duration);
  const agent = new http.Agent({ keepAlive: true, maxSockets: connections ?? Math.max(16, Math.ceil(rate * 0.1)) });
  const latencies = [];
  const statusCodes = {};
  let errors = 0;
  let timeouts = 0;
  let sent = 0;
  let settled = 0;

  return new Promise((resolve) => {
    const started = performance.now();
    const finish = () => {
      agent.destroy();
      const durationS = (performance.now() - started) / 1000;
      latencies.sort((a, b) => a - b);
      const answered = Object.values(statusCodes).reduce((a, b) => a + b, 0);
      const fiveXx = Object.entries(statusCodes)
        .filter(([code]) => code.startsWith('5'))
        .reduce((a, [, n]) => a + n, 0);
      // The offered window is total / rate; answers that arrive later stretch durationS.
      const achieved = answered / Math.max(durationS, total / rate);
      resolve({
        offered: rate,
        achievedRps: round(achieved, 0),
        requests: answered,
        errors,
        timeouts,
        statusCodes,
        fiveXx,
        p50Ms: round(percentile(latencies, 50), 1),
        p90Ms: round(percentile(latencies, 90), 1),
        p97_5Ms: round(percentile(latencies, 97.5), 1),
        p99Ms: round(percentile(latencies, 99), 1),
        maxMs: round(latencies[latencies.length - 1] ?? 0, 1),
        durationS: round(durationS, 2),
        generator: 'open model, evenly spaced arrivals (bench/lib/open-load.js)',
        // The gateway did not keep up when answers trail the offered window by more than 3%.
        saturated: achieved < rate * 0.97,
      });
    };

    const fire = (dueAt) => {
      const request = template.setupRequest({});
      const body = Buffer.from(request.body ?? '');
      const req = http.request(
        {
          agent,
          host: target.hostname,
          port: target.port,
          method: template.method,
          path: template.path,
          headers: { ...request.headers, 'content-length': body.length },
          timeout: timeout * 1000,
        },
        (res) => {
          res.resume();
          res.on('end', () => {
            latencies.push(performance.now() - dueAt);
            statusCodes[res.statusCode] = (statusCodes[res.statusCode] ?? 0) + 1;
            if (++settled === total) finish();
          });
        },
      );
      req.on('timeout', () => {
        timeouts++;
        req.destroy(new Error('timeout'));
      });
      req.on('error', () => {
        errors++;
        if (++settled === total) finish();
      });
      req.end(body);
    };

    // A 1 ms tick sends every request that has fallen due (timers are not more precise).
    const tick = setInterval(() => {
      const due = Math.min(total, Math.floor(((performance.now() - started) / 1000) * rate) + 1);
      while (sent < due) fire(started + (sent++ / rate) * 1000);
      if (sent === total) clearInterval(tick);
    }, 1);
  });
}

module.exports = { openLoad };
