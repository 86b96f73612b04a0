import { createHash } from 'node:crypto';

/**
 * How many distinct SQL texts one process prepares. Every connection keeps each statement it
 * has prepared (pg's client and the PostgreSQL backend alike) until it closes, so a caller that
 * builds texts which vary (a VALUES list per row count) must not grow that without bound: past
 * the bound, new texts are sent unnamed, parsed on every call as before.
 */
export const MAX_PREPARED_TEXTS = 256;

/** The statement name of each SQL text: derived from the text, so every connection agrees. */
export class PreparedStatementNames {
  private readonly names = new Map<string, string>();

  constructor(private readonly capacity = MAX_PREPARED_TEXTS) {}

  /** The name to prepare `text` under, or undefined to send it unnamed. */
  nameOf(text: string): string | undefined {
    const known = this.names.get(text);
    if (known !== undefined || this.names.size >= this.capacity) return known;
    const name = `s_${createHash('sha1').update(text).digest('hex').slice(0, 24)}`;
    this.names.set(text, name);
    return name;
  }

  /**
   * A new name for a text whose prepared plan PostgreSQL refuses (`cached plan must not change
   * result type` after a migration changed a table under it): every connection prepares it again.
   */
  renew(text: string): void {
    const old = this.names.get(text);
    if (old === undefined) return;
    const generation = Number(/_g(\d+)$/.exec(old)?.[1] ?? 1) + 1;
    this.names.set(text, `${old.replace(/_g\d+$/, '')}_g${generation}`);
  }

  get size(): number {
    return this.names.size;
  }
}
