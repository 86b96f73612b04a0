/**
 * Gathers work submitted from many concurrent callers into batches: one flush runs at a time,
 * and everything submitted while it runs goes into the next one (no timer, so a lone item is
 * flushed at once and batches grow only under load). `flush` answers one result per item, in
 * order; each caller's promise settles with its item's. A batch that fails is retried item by
 * item, so one bad item fails only its caller.
 */
export class MicroBatcher<T, R = void> {
  private queue: Array<{ item: T; resolve: (result: R) => void; reject: (error: unknown) => void }> = [];
  private flushing = false;

  constructor(
    private readonly flush: (items: T[]) => Promise<R[]>,
    private readonly maxBatch = 500,
  ) {}

  submit(item: T): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      this.queue.push({ item, resolve, reject });
      void this.run();
    });
  }

  private async run(): Promise<void> {
    if (this.flushing) return;
    this.flushing = true;
    try {
      while (this.queue.length > 0) {
        const batch = this.queue.splice(0, this.maxBatch);
        try {
          const results = await this.flush(batch.map((entry) => entry.item));
          batch.forEach((entry, index) => {
            entry.resolve(results[index]);
          });
        } catch (error) {
          if (batch.length === 1) {
            batch[0].reject(error);
            continue;
          }
          for (const entry of batch) {
            await this.flush([entry.item]).then(([result]) => {
              entry.resolve(result);
            }, entry.reject);
          }
        }
      }
    } finally {
      this.flushing = false;
    }
  }
}
