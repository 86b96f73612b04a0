import { normalise, shortagesOf } from './stock-quantities';

describe('stock quantities', () => {
  it('sums quantities per sku and sorts by sku (the lock order)', () => {
    expect(
      normalise([
        { sku: 'b', quantity: 1 },
        { sku: 'a', quantity: 2 },
        { sku: 'b', quantity: 3 },
      ]),
    ).toEqual([
      { sku: 'a', quantity: 2 },
      { sku: 'b', quantity: 4 },
    ]);
  });

  it('reports every short item, counting unknown skus as zero stock', () => {
    const available = new Map([
      ['a', 5],
      ['b', 1],
    ]);
    expect(
      shortagesOf(
        [
          { sku: 'a', quantity: 5 },
          { sku: 'b', quantity: 2 },
          { sku: 'c', quantity: 1 },
        ],
        available,
      ),
    ).toEqual([
      { sku: 'b', requested: 2, available: 1 },
      { sku: 'c', requested: 1, available: 0 },
    ]);
  });
});
