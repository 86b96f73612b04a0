import { retryBackoffMs } from './retry-backoff';

describe('retryBackoffMs', () => {
  it('starts at 100 ms and doubles with each failure', () => {
    expect([1, 2, 3, 4, 5, 6].map(retryBackoffMs)).toEqual([100, 200, 400, 800, 1_600, 3_200]);
  });

  it('never waits more than 5 s, however many failures in a row', () => {
    expect([7, 8, 20, 1_000].map(retryBackoffMs)).toEqual([5_000, 5_000, 5_000, 5_000]);
  });

  it('treats fewer than one failure as the first', () => {
    expect(retryBackoffMs(0)).toBe(100);
  });
});
