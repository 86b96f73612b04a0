import { counter, gauge, histogram } from '@orders/platform-observability';

export const reserveLatency = histogram({
  name: 'inventory_reserve_latency_seconds',
  help: 'Time to decide one order reservation, by the path that decided it',
  labelNames: ['path'],
  buckets: [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
});

export const driftUnits = gauge({
  name: 'inventory_drift_units',
  help: 'Redis available minus what Postgres says it should be, per sku, at the last reconciliation',
  labelNames: ['sku'],
});

export const breakerState = gauge({
  name: 'inventory_redis_breaker_state',
  help: 'Stock engine circuit breaker: 0 closed (Redis serves), 1 half-open (probing/re-warming), 2 open (Postgres serves)',
});

export const BREAKER_STATE_VALUE = { closed: 0, 'half-open': 1, open: 2 } as const;

export const shortDisputes = counter({
  name: 'inventory_redis_short_disputes_total',
  help: 'Redis said short while Postgres showed the stock: explained by in-flight holds (Redis stands) or an under-count (Postgres reserves)',
  labelNames: ['outcome'],
});
