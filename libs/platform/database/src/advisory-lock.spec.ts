import { createHash } from 'node:crypto';
import { advisoryLockKey } from './advisory-lock';

describe('advisoryLockKey', () => {
  it('is the key the relay and the reconciler used before it existed (a rolling upgrade keeps one lock)', () => {
    const before = (text: string) => createHash('sha256').update(text).digest().readBigInt64BE(0).toString();
    expect(advisoryLockKey('outbox', 'prod.payment-service')).toBe(before('outbox:prod.payment-service'));
    expect(advisoryLockKey('reconcile', 'prod.stock:')).toBe(before('reconcile:prod.stock:'));
  });

  it('is a signed 64-bit integer, as pg_advisory_lock(bigint) takes', () => {
    const key = BigInt(advisoryLockKey('outbox', 'x', '7'));
    expect(key >= -(2n ** 63n) && key < 2n ** 63n).toBe(true);
  });

  it('names a different lock for different parts', () => {
    const keys = new Set(Array.from({ length: 32 }, (_, shard) => advisoryLockKey('outbox', 'payment-service', String(shard))));
    expect(keys.size).toBe(32);
    expect(advisoryLockKey('outbox', 'a')).not.toBe(advisoryLockKey('reconcile', 'a'));
  });
});
