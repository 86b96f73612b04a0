import { UnsafePathSegment, upstreamPath } from './upstream-path';

describe('upstreamPath', () => {
  it('keeps the fixed parts and encodes each value as one segment', () => {
    expect(upstreamPath`/admin/products/${'SKU-1.a_b'}`).toBe('/admin/products/SKU-1.a_b');
    expect(upstreamPath`/admin/inventory/${'a/b?c#d'}/adjust`).toBe('/admin/inventory/a%2Fb%3Fc%23d/adjust');
    expect(upstreamPath`/x/${'%2e%2e'}`).toBe('/x/%252e%252e');
  });

  it.each(['', '.', '..'])('refuses the segment %j, which a URL parser would resolve away', (segment) => {
    expect(() => upstreamPath`/admin/products/${segment}`).toThrow(UnsafePathSegment);
  });

  it('builds paths a URL parser leaves as they are', () => {
    for (const segment of ['...', '.a', 'a.', '-', '_']) {
      const path = upstreamPath`/admin/products/${segment}`;
      expect(new URL(path, 'http://inventory').pathname).toBe(path);
    }
  });
});
