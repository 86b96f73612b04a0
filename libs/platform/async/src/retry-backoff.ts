/**
 * How long to wait before trying again after `failures` failed attempts in a row (1 after the
 * first): 100 ms doubling per failure, at most 5 s, so a dependency that is away is asked a few
 * times a second at first and then every 5 s, never in a tight loop.
 */
export function retryBackoffMs(failures: number): number {
  return Math.min(5_000, 100 * 2 ** Math.min(Math.max(failures, 1) - 1, 6));
}
