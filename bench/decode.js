'use strict';
// `npm run build && node bench/decode.js`: the consumer's decode step, CPU per consumed message,
// before and after issue 17's decode changes, measured in one run on the built dist/ (rounds
// interleaved, so that a busy neighbour hits both alike; medians reported).
//   before   every consumed message parsed and validated with class-transformer + class-validator
//            (validateWithClassValidator: the code every message went through), handled or not
//   handled  a type this service handles: parsed, type read, validated by the compiled validators
//   ignored  another consumer's type on a shared topic: parsed, type read, nothing more
// Then the same per order, for each service: the events of a confirmed order it consumes.
// Writes bench/results/decode-<date>.json.   BENCH_DECODE_ROUNDS (default 7), BENCH_DECODE_MESSAGES (default 20000)
const { mkdirSync, writeFileSync } = require('node:fs');
const { loadavg } = require('node:os');
const { join } = require('node:path');
const { isDeepStrictEqual } = require('node:util');

const ROOT = join(__dirname, '..');
require('reflect-metadata'); // as every service's main.ts does first
const events = require(join(ROOT, 'dist/libs/events/src/index.js'));

const ROUNDS = Number(process.env.BENCH_DECODE_ROUNDS ?? 7);
const MESSAGES = Number(process.env.BENCH_DECODE_MESSAGES ?? 20_000);
const orderId = '6f1c1f0e-8a53-4c1e-9d55-3f1f2f0c9a11';
const snapshot = {
  userId: 'user-1234',
  items: [
    { sku: 'bench-mug-12', quantity: 1, unitPriceCents: 1250 },
    { sku: 'bench-cap-7', quantity: 2, unitPriceCents: 800 },
  ],
  totalCents: 2850,
  currency: 'USD',
  paymentMethod: 'pm_card_ok',
};
/** One realistic payload per event type (the order-level ones carry a two-line order). */
const payloads = {
  OrderCreated: snapshot,
  OrderPaid: { paymentId: 'pay_8f2c1d', amountCents: 2850 },
  OrderConfirmed: { totalCents: 2850 },
  OrderCancelled: { reason: 'PAYMENT_FAILED', previousStatus: 'RESERVED' },
  OrderReserved: { ...snapshot, path: 'redis' },
  InventoryReservationFailed: { reason: 'OUT_OF_STOCK', shortages: [{ sku: 'bench-mug-12', requested: 1, available: 0 }] },
  StockCommitted: {
    items: [
      { sku: 'bench-mug-12', quantity: 1 },
      { sku: 'bench-cap-7', quantity: 2 },
    ],
  },
  StockReleased: {
    items: [
      { sku: 'bench-mug-12', quantity: 1 },
      { sku: 'bench-cap-7', quantity: 2 },
    ],
  },
  PaymentSuccess: { paymentId: 'pay_8f2c1d', amountCents: 2850, currency: 'USD', providerTxId: 'mock_tx_51d0a2' },
  PaymentFailed: { paymentId: 'pay_8f2c1d', amountCents: 2850, reason: 'card_declined' },
  PaymentRefunded: { paymentId: 'pay_8f2c1d', amountCents: 2850, refundId: 're_77a1' },
  ProductChanged: { sku: 'bench-mug-12', name: 'Bench mug', priceCents: 1250, currency: 'USD', available: 40, revision: 3 },
};
/** The events of a confirmed order, as they cross Kafka. */
const CONFIRMED_ORDER = ['OrderCreated', 'OrderReserved', 'PaymentSuccess', 'OrderPaid', 'StockCommitted', 'OrderConfirmed'];
const SERVICES = Object.values(events.Services);

const messageOf = (name) =>
  Buffer.from(events.encodeEvent(events.createEvent(name, { orderId: events.Events[name].key === 'orderId' ? orderId : null, payload: payloads[name] })));

const variants = {
  before: (value) => events.validateWithClassValidator(events.parseEventValue(value)),
  handled: (value) => {
    const fields = events.parseEventValue(value);
    if (events.claimedEventType(fields) === undefined) throw new Error('type not read');
    return events.validateEvent(fields);
  },
  ignored: (value) => {
    const fields = events.parseEventValue(value);
    if (events.claimedEventType(fields) === undefined) throw new Error('type not read');
    return fields;
  },
};

/** CPU µs (user + system) per call of `decode` on `value`, over MESSAGES calls. */
function measure(decode, value) {
  let sink = 0;
  const start = process.cpuUsage();
  for (let i = 0; i < MESSAGES; i++) sink += decode(value) ? 1 : 0;
  const used = process.cpuUsage(start);
  if (sink !== MESSAGES) throw new Error('a decode failed');
  return (used.user + used.system) / MESSAGES;
}

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
};
const round = (value, digits = 2) => Math.round(value * 10 ** digits) / 10 ** digits;

function main() {
  const startedAt = new Date().toISOString();
  const names = Object.keys(events.Events);
  const messages = Object.fromEntries(names.map((name) => [name, messageOf(name)]));
  // The two paths must agree before they are timed.
  for (const name of names) {
    const reference = variants.before(messages[name]).envelope;
    const compiled = variants.handled(messages[name]).envelope;
    if (!isDeepStrictEqual(JSON.parse(JSON.stringify(reference)), JSON.parse(JSON.stringify(compiled))))
      throw new Error(`${name}: the compiled validators decode differently`);
  }
  const loadBefore = loadavg().map((value) => round(value));
  // Warm-up: every path compiled by V8 before anything is timed.
  for (const name of names) for (const decode of Object.values(variants)) measure(decode, messages[name]);

  const samples = Object.fromEntries(names.map((name) => [name, { before: [], handled: [], ignored: [] }]));
  for (let round_ = 1; round_ <= ROUNDS; round_++) {
    process.stdout.write(`round ${round_}/${ROUNDS}\n`);
    for (const name of names) for (const [variant, decode] of Object.entries(variants)) samples[name][variant].push(measure(decode, messages[name]));
  }

  const perMessage = Object.fromEntries(
    names.map((name) => [
      name,
      {
        bytes: messages[name].length,
        ...Object.fromEntries(Object.entries(samples[name]).map(([variant, values]) => [`${variant}Us`, round(median(values))])),
      },
    ]),
  );
  const perOrder = Object.fromEntries(
    SERVICES.map((service) => {
      const topics = events.topicsConsumedBy(service);
      const handles = events.eventTypesConsumedBy(service);
      const seen = CONFIRMED_ORDER.filter((name) => topics.includes(events.Events[name].topic));
      const before = seen.reduce((sum, name) => sum + perMessage[name].beforeUs, 0);
      const after = seen.reduce((sum, name) => sum + (handles.includes(name) ? perMessage[name].handledUs : perMessage[name].ignoredUs), 0);
      return [
        service,
        {
          consumes: seen,
          handles: seen.filter((name) => handles.includes(name)),
          beforeUs: round(before),
          afterUs: round(after),
          ratio: round(before / after, 1),
        },
      ];
    }),
  );

  const results = {
    startedAt,
    finishedAt: new Date().toISOString(),
    command: `node bench/decode.js (BENCH_DECODE_ROUNDS=${ROUNDS}, BENCH_DECODE_MESSAGES=${MESSAGES})`,
    node: process.version,
    loadBefore,
    loadAfter: loadavg().map((value) => round(value)),
    method: 'process.cpuUsage (user + system) over BENCH_DECODE_MESSAGES calls on one Buffer per event type, rounds interleaved over the variants, medians',
    perMessage,
    perOrder,
  };
  console.table(perMessage);
  console.table(
    Object.fromEntries(
      Object.entries(perOrder).map(([service, row]) => [
        service,
        { consumes: row.consumes.length, handles: row.handles.length, beforeUs: row.beforeUs, afterUs: row.afterUs, ratio: row.ratio },
      ]),
    ),
  );
  mkdirSync(join(__dirname, 'results'), { recursive: true });
  const file = join(__dirname, 'results', `decode-${results.startedAt.replace(/[:.]/g, '-')}.json`);
  writeFileSync(file, JSON.stringify(results, null, 2));
  process.stdout.write(`wrote ${file.replace(ROOT + '/', '')}\n`);
}

main();
