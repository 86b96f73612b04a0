import { DataSource } from 'typeorm';
import { PriceMemory } from './price-memory';

describe(PriceMemory.name, () => {
  let sut: PriceMemory;
  let dataSource: { query: jest.Mock };

  beforeEach(() => {
    dataSource = { query: jest.fn().mockResolvedValue([{ sku: 'LAMP', price_cents: '1299' }]) };
    sut = new PriceMemory(dataSource as unknown as DataSource);
  });

  it('reads the prices it does not remember once, then answers from memory', async () => {
    await expect(sut.pricesOf(['LAMP'])).resolves.toEqual(new Map([['LAMP', 1299]]));
    await expect(sut.pricesOf(['LAMP'])).resolves.toEqual(new Map([['LAMP', 1299]]));

    expect(dataSource.query).toHaveBeenCalledTimes(1);
    expect(dataSource.query).toHaveBeenCalledWith(expect.stringMatching(/FROM catalog_products WHERE sku = ANY\(\$1::text\[\]\)/), [['LAMP']]);
  });

  it('reads only the skus it does not remember, and leaves out those the catalog lacks', async () => {
    await sut.pricesOf(['LAMP']);
    dataSource.query.mockResolvedValue([]);

    await expect(sut.pricesOf(['LAMP', 'GONE'])).resolves.toEqual(new Map([['LAMP', 1299]]));
    expect(dataSource.query).toHaveBeenLastCalledWith(expect.any(String), [['GONE']]);
  });

  it('makes the assumed prices a premise checked against catalog_products in the statement', () => {
    const premise = sut.unchanged([{ sku: 'LAMP', unitPriceCents: 1299 }]);

    const holds = premise.holds.toQuery();
    expect(holds.text).toMatch(/NOT EXISTS .*catalog_products.* IS DISTINCT FROM/s);
    expect(holds.params).toEqual([['LAMP'], [1299]]);
    expect(premise.actual.toQuery().params).toEqual([['LAMP']]);
  });

  it('remembers the actual prices a failed premise read, and forgets a sku the catalog no longer has', async () => {
    dataSource.query.mockResolvedValue([
      { sku: 'LAMP', price_cents: '1299' },
      { sku: 'BULB', price_cents: '250' },
    ]);
    await sut.pricesOf(['LAMP', 'BULB']);

    sut
      .unchanged([
        { sku: 'LAMP', unitPriceCents: 1299 },
        { sku: 'BULB', unitPriceCents: 250 },
      ])
      .refresh([{ sku: 'LAMP', price_cents: 1499 }]);
    dataSource.query.mockResolvedValue([]);

    await expect(sut.pricesOf(['LAMP', 'BULB'])).resolves.toEqual(new Map([['LAMP', 1499]]));
    expect(dataSource.query).toHaveBeenLastCalledWith(expect.any(String), [['BULB']]);
  });
});
