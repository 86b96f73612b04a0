/**
 * Gathers work submitted from many concurrent callers into batches: one flush runs at a time,
 * and everything submitted while it runs goes into the next one (no timer, so a lone item is
 * flushed at once and batches grow only under load). Each caller's promise settles with its
 * batch; a batch that fails is retried item by item, so one bad item fails only its caller.
 */
export class MicroBatcher<T> {
  private queue: Array<{ item: T; resolve: () => void; reject: (error: unknown) => void }> = [];
  private flushing = false;

  constructor(
    private readonly flush: (items: T[]) => Promise<void>,
    private readonly maxBatch = 500,
  ) {}

  submit(item: T): Promise<void> {
    return new Promise<void>((resolve, reject) => {
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
          await this.flush(batch.map((entry) => entry.item));
          for (const entry of batch) entry.resolve();
        } catch (error) {
          if (batch.length === 1) {
            batch[0].reject(error);
            continue;
          }
          for (const entry of batch) {
            await this.flush([entry.item]).then(entry.resolve, entry.reject);
          }
        }
      }
    } finally {
      this.flushing = false;
    }
  }
}
