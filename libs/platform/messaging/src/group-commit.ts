/** What became of a unit submitted to a group commit. */
export type GroupCommitOutcome =
  /** Its transaction committed (with the other units taken with it). */
  | { kind: 'committed' }
  /**
   * Its transaction failed and rolled back: the submitter handles the unit on its own.
   * `alone`: the unit was the only one in it, so `error` is its own first attempt's.
   */
  | { kind: 'failed'; error: unknown; alone: boolean }
  /** Never applied: its lane was gone (revoked, stopping) when its turn came. */
  | { kind: 'abandoned' };

export interface GroupCommitOptions {
  /** Combined transactions at once (at least 1). */
  maxInFlight: number;
  /** Most messages one transaction takes; a unit larger than that on its own still goes, alone. */
  maxMessages: number;
}

/** How the queue sees a unit: its size and whether its lane still owns it. */
export interface GroupCommitHooks<U> {
  /** Applies the units in one transaction; throws (everything rolled back) if any part fails. */
  commit: (units: U[]) => Promise<void>;
  size: (unit: U) => number;
  isLive: (unit: U) => boolean;
  /** Called with the units waiting and the units in running transactions when they change (metrics). */
  onChange?: (state: { waiting: number; committing: number }) => void;
}

interface Waiting<U> {
  unit: U;
  resolve: (outcome: GroupCommitOutcome) => void;
}

/**
 * Classic group commit for the units that the consumer's partition lanes have ready at the same
 * time: with fewer than `maxInFlight` transactions running, a submitted unit starts in the same
 * event-loop turn's end (setImmediate: no timer, no added latency when idle), together with the
 * units of the other lanes submitted in that turn (kafkajs hands a fetch's partition batches to
 * its workers synchronously, one after the other: without that, the first lane of every fetch
 * would go alone). Otherwise it waits, and the next transaction to start takes every waiting
 * unit, in arrival order, up to `maxMessages` in all. Each submitter awaits its own unit's
 * outcome, so a lane submits its next unit only after the previous one finished.
 */
export class GroupCommitQueue<U> {
  private readonly waiting: Array<Waiting<U>> = [];
  private inFlight = 0;
  private unitsInFlight = 0;
  private startScheduled = false;

  constructor(
    private readonly options: GroupCommitOptions,
    private readonly hooks: GroupCommitHooks<U>,
  ) {
    if (options.maxInFlight < 1) throw new Error('a group commit needs at least one transaction in flight');
  }

  /** Transactions running now (for tests and metrics). */
  get running(): number {
    return this.inFlight;
  }

  submit(unit: U): Promise<GroupCommitOutcome> {
    return new Promise((resolve) => {
      this.waiting.push({ unit, resolve });
      this.reportChange();
      if (this.startScheduled) return;
      this.startScheduled = true;
      setImmediate(() => {
        this.startScheduled = false;
        this.startWhatFits();
      });
    });
  }

  private startWhatFits(): void {
    while (this.inFlight < this.options.maxInFlight && this.waiting.length > 0) {
      const taken = this.take();
      if (taken.length > 0) void this.run(taken);
    }
    this.reportChange();
  }

  private reportChange(): void {
    this.hooks.onChange?.({ waiting: this.waiting.length, committing: this.unitsInFlight });
  }

  /** The waiting units of live lanes, oldest first, up to maxMessages (the first one always). */
  private take(): Array<Waiting<U>> {
    const taken: Array<Waiting<U>> = [];
    let messages = 0;
    while (this.waiting.length > 0) {
      const next = this.waiting[0];
      if (!this.hooks.isLive(next.unit)) {
        this.waiting.shift();
        next.resolve({ kind: 'abandoned' });
        continue;
      }
      const size = this.hooks.size(next.unit);
      if (taken.length > 0 && messages + size > this.options.maxMessages) break;
      this.waiting.shift();
      taken.push(next);
      messages += size;
    }
    return taken;
  }

  private async run(taken: Array<Waiting<U>>): Promise<void> {
    this.inFlight++;
    this.unitsInFlight += taken.length;
    let outcome: GroupCommitOutcome;
    try {
      await this.hooks.commit(taken.map((waiting) => waiting.unit));
      outcome = { kind: 'committed' };
    } catch (error) {
      outcome = { kind: 'failed', error, alone: taken.length === 1 };
    }
    this.inFlight--;
    this.unitsInFlight -= taken.length;
    for (const waiting of taken) waiting.resolve(outcome);
    this.startWhatFits();
  }
}
