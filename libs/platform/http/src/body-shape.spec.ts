import { bodyShapeProblems, MAX_BODY_DEPTH } from './body-shape';

const nestedArrays = (depth: number): unknown => JSON.parse(`${'['.repeat(depth)}1${']'.repeat(depth)}`);

describe('body shape', () => {
  it('accepts ordinary bodies', () => {
    expect(bodyShapeProblems({ items: [{ sku: 'A', quantity: 1 }], paymentMethod: 'pm_card_ok' })).toEqual([]);
    expect(bodyShapeProblems(null)).toEqual([]);
    expect(bodyShapeProblems(nestedArrays(MAX_BODY_DEPTH))).toEqual([]);
  });

  it('refuses nesting past the limit, even 100 000 levels deep, without overflowing', () => {
    expect(bodyShapeProblems(nestedArrays(MAX_BODY_DEPTH + 1))).toHaveLength(1);
    const problems = bodyShapeProblems({ items: nestedArrays(100_000) });
    expect(problems).toEqual([{ field: expect.stringMatching(/^items\[0\]/), message: expect.stringContaining('nested deeper') }]);
  });

  it('refuses NUL characters in any string, naming the field', () => {
    expect(bodyShapeProblems({ items: [{ sku: 'A', quantity: 1 }], paymentMethod: 'pm\u0000x' })).toEqual([
      { field: 'paymentMethod', message: 'must not contain NUL characters' },
    ]);
    expect(bodyShapeProblems({ items: [{ sku: 'A\u0000' }] })).toEqual([{ field: 'items[0].sku', message: 'must not contain NUL characters' }]);
  });
});
