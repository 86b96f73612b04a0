import { MicroBatcher } from './micro-batcher';

describe('MicroBatcher', () => {
  it('flushes a lone item at once and gathers what arrives during a flush into the next batch', async () => {
    const batches: number[][] = [];
    let release: () => void = () => undefined;
    const firstFlush = new Promise<void>((resolve) => (release = resolve));
    const sut = new MicroBatcher<number, number>(async (items) => {
      batches.push(items);
      if (batches.length === 1) await firstFlush;
      return items.map((item) => item * 10);
    });
    const first = sut.submit(1);
    const rest = [sut.submit(2), sut.submit(3), sut.submit(4)];
    release();
    expect(await Promise.all([first, ...rest])).toEqual([10, 20, 30, 40]);
    expect(batches).toEqual([[1], [2, 3, 4]]);
  });

  it('fails only the caller whose item fails (the batch is retried item by item)', async () => {
    const sut = new MicroBatcher<number>(async (items) => {
      if (items.includes(2)) throw new Error('bad item 2');
      return items.map(() => undefined);
    });
    const gate = sut.submit(0);
    const results = await Promise.allSettled([sut.submit(1), sut.submit(2), sut.submit(3)]);
    await gate;
    expect(results.map((result) => result.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
  });
});
