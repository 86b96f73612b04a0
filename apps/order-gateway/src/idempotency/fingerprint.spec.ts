import { canonicalJson, requestFingerprint } from './fingerprint';

describe('request fingerprint', () => {
  it('ignores key order at every depth', () => {
    const a = { items: [{ sku: 'A', quantity: 1 }], paymentMethod: 'pm_card_ok' };
    const b = { paymentMethod: 'pm_card_ok', items: [{ quantity: 1, sku: 'A' }] };
    expect(requestFingerprint('POST', '/orders', a)).toBe(requestFingerprint('post', '/orders', b));
  });

  it('tells different bodies, paths and methods apart', () => {
    const body = { items: [{ sku: 'A', quantity: 1 }] };
    const base = requestFingerprint('POST', '/orders', body);
    expect(requestFingerprint('POST', '/orders', { items: [{ sku: 'A', quantity: 2 }] })).not.toBe(base);
    expect(requestFingerprint('POST', '/other', body)).not.toBe(base);
    expect(requestFingerprint('PUT', '/orders', body)).not.toBe(base);
  });

  it('keeps array order significant', () => {
    expect(canonicalJson([1, 2])).not.toBe(canonicalJson([2, 1]));
  });
});
