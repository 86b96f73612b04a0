'use strict';
// Load generation: closed loop (max throughput) with autocannon, no pipelining (-p 1); a fixed
// offered rate with the open-model generator in open-load.js (evenly spaced arrivals).
const autocannon = require('autocannon');
const { round } = require('./stack');
const { openLoad } = require('./open-load');

/**
 * Builds a request factory for POST /orders: each request a distinct Idempotency-Key,
 * users taken round-robin from a pre-signed pool (token signing is not part of the SUT).
 */
function orderRequests({ tokens, sku, runId, paymentMethod = 'pm_card_ok', startUser = 0 }) {
  let counter = 0;
  // `sku` may be a list: orders spread over it round-robin (a catalog, not one hot row).
  const bodies = (Array.isArray(sku) ? sku : [sku]).map((one) => JSON.stringify({ items: [{ sku: one, quantity: 1 }], paymentMethod }));
  return [
    {
      method: 'POST',
      path: '/orders',
      setupRequest(request) {
        const n = counter++;
        request.headers = {
          'content-type': 'application/json',
          authorization: `Bearer ${tokens[(startUser + n) % tokens.length]}`,
          'idempotency-key': `${runId}-${n}`,
        };
        request.body = bodies[n % bodies.length];
        return request;
      },
    },
  ];
}

function summarize(result, offered) {
  const codes = Object.fromEntries(Object.entries(result.statusCodeStats ?? {}).map(([code, { count }]) => [code, count]));
  const total = Object.values(codes).reduce((a, b) => a + b, 0);
  const fiveXx = Object.entries(codes)
    .filter(([code]) => code.startsWith('5'))
    .reduce((a, [, n]) => a + n, 0);
  const achieved = total / result.duration;
  return {
    offered: offered ?? null,
    achievedRps: round(achieved, 0),
    requests: total,
    errors: result.errors,
    timeouts: result.timeouts,
    statusCodes: codes,
    fiveXx,
    p50Ms: result.latency.p50,
    p90Ms: result.latency.p90,
    p97_5Ms: result.latency.p97_5,
    p99Ms: result.latency.p99,
    maxMs: result.latency.max,
    durationS: round(result.duration, 2),
    // Below ~97% of the offered rate the generator had to wait for free connections: past the knee.
    saturated: offered ? achieved < offered * 0.97 : null,
  };
}

/** One fixed-rate run; `rate` null means closed-loop at `connections` (max throughput). */
function run({ url, requests, rate = null, connections, duration, amount, timeout = 10 }) {
  if (rate) return openLoad({ url, requests, rate, duration, amount, connections, timeout });
  const options = {
    url,
    connections: connections ?? 64,
    pipelining: 1,
    timeout,
    requests,
    ...(amount ? { amount } : { duration }),
  };
  return new Promise((resolve, reject) => {
    autocannon(options, (error, result) => (error ? reject(error) : resolve(summarize(result, rate))));
  });
}

module.exports = { run, orderRequests, summarize };
