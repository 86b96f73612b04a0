import { afterCommit, withAfterCommit } from './after-commit';

describe('afterCommit', () => {
  it('runs queued effects after the unit of work returns, in order', async () => {
    const seen: string[] = [];
    const result = await withAfterCommit(async () => {
      afterCommit(() => seen.push('first'));
      await Promise.resolve();
      afterCommit(() => seen.push('second'));
      seen.push('work done');
      return 42;
    });
    expect(result).toBe(42);
    expect(seen).toEqual(['work done', 'first', 'second']);
  });

  it('drops the effects of a unit of work that throws (rolled back)', async () => {
    const seen: string[] = [];
    await expect(
      withAfterCommit(async () => {
        afterCommit(() => seen.push('counted'));
        throw new Error('rollback');
      }),
    ).rejects.toThrow('rollback');
    expect(seen).toEqual([]);
  });

  it('keeps concurrent units of work apart, and runs at once outside one', async () => {
    const seen: string[] = [];
    await Promise.all([
      withAfterCommit(async () => {
        afterCommit(() => seen.push('a'));
      }),
      withAfterCommit(async () => {
        afterCommit(() => seen.push('b'));
        throw new Error('rollback');
      }).catch(() => undefined),
    ]);
    afterCommit(() => seen.push('outside'));
    expect(seen).toEqual(['a', 'outside']);
  });
});
