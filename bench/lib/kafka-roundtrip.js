'use strict';
// The Kafka bare limit: kafkajs produce -> consume round trip on the same broker, with the
// saga's producer settings (acks=all, idempotent, batches) and a consumer group using
// eachMessage with partitionsConsumedConcurrently, like the services.
const { Kafka, logLevel } = require('kafkajs');
const { round, sleep } = require('./stack');

function percentile(sorted, p) {
  if (sorted.length === 0) return null;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

/**
 * Sends `rate` messages/s (batches every 10 ms) for `seconds`, or as fast as possible
 * when rate is null, and measures produce->consume latency and the consumed rate.
 */
async function kafkaRoundTrip({ brokers, prefix, rate = null, seconds = 5, total = null, partitions = 6, batch = 100 }) {
  const kafka = new Kafka({ clientId: 'bench-roundtrip', brokers, logLevel: logLevel.NOTHING });
  const topic = `${prefix}roundtrip.${Date.now().toString(36)}`;
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ waitForLeaders: true, topics: [{ topic, numPartitions: partitions, replicationFactor: 1 }] });
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false });
  const consumer = kafka.consumer({ groupId: `${topic}.group`, allowAutoTopicCreation: false });
  await Promise.all([producer.connect(), consumer.connect()]);
  await consumer.subscribe({ topics: [topic], fromBeginning: true });
  const latencies = [];
  let received = 0;
  let firstAt = 0;
  let lastAt = 0;
  await consumer.run({
    partitionsConsumedConcurrently: partitions,
    eachMessage: async ({ message }) => {
      const now = performance.now() + performance.timeOrigin;
      latencies.push(now - Number(message.value.toString()));
      received += 1;
      if (!firstAt) firstAt = now;
      lastAt = now;
    },
  });
  await sleep(3000); // group join
  let sent = 0;
  const started = Date.now();
  const target = total ?? (rate ? Math.round(rate * seconds) : Infinity);
  const deadline = started + seconds * 1000;
  let n = 0;
  while (sent < target && Date.now() < deadline) {
    const want = rate ? Math.min(target, Math.round(((Date.now() - started) / 1000) * rate)) : sent + batch;
    const count = Math.min(batch, want - sent);
    if (count > 0) {
      const messages = [];
      for (let i = 0; i < count; i++) messages.push({ key: String(n++), value: String(performance.now() + performance.timeOrigin) });
      await producer.send({ topic, acks: -1, messages });
      sent += count;
    } else {
      await sleep(5);
    }
  }
  const sendSeconds = (Date.now() - started) / 1000;
  const waitUntil = Date.now() + 30_000;
  while (received < sent && Date.now() < waitUntil) await sleep(50);
  await Promise.all([consumer.disconnect(), producer.disconnect()]);
  await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
  await admin.disconnect();
  latencies.sort((a, b) => a - b);
  return {
    offered: rate,
    sent,
    received,
    producedPerSecond: round(sent / sendSeconds, 0),
    consumedPerSecond: round(received / Math.max(0.001, (lastAt - firstAt) / 1000), 0),
    p50Ms: round(percentile(latencies, 50), 1),
    p95Ms: round(percentile(latencies, 95), 1),
    p99Ms: round(percentile(latencies, 99), 1),
  };
}

module.exports = { kafkaRoundTrip };
