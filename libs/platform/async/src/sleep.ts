/** Resolves after `ms`: the pause between two attempts or two batches. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => {
    setTimeout(resolve, ms);
  });
}
