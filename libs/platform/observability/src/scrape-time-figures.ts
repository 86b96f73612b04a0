import { Logger } from '@nestjs/common';
import { withTimeout } from '@orders/platform-async';

/** Figures younger than this are served from memory: a scrape never costs more than one round. */
const FRESH_MS = 5_000;
/** A scrape waits at most this long for a measurement; after that it serves the last figures. */
const SCRAPE_BUDGET_MS = 1_000;

/**
 * Gauges measured when /metrics is scraped (a database or Kafka round): at most one
 * measurement at a time, none while the last is fresh, and a scrape never waits past its
 * budget. A failed measurement keeps the last figures and is logged once until it recovers.
 */
export class ScrapeTimeFigures {
  private readonly logger: Logger;
  private refreshedAt = 0;
  private inFlight: Promise<void> | null = null;
  private failing = false;

  constructor(
    private readonly what: string,
    private readonly measure: () => Promise<void>,
  ) {
    this.logger = new Logger(`ScrapeTimeFigures(${what})`);
  }

  async refresh(): Promise<void> {
    if (Date.now() - this.refreshedAt < FRESH_MS) return;
    this.inFlight ??= this.measure()
      .then(
        () => {
          this.refreshedAt = Date.now();
          this.failing = false;
        },
        (error: unknown) => {
          if (!this.failing) this.logger.warn(`${this.what} not measured: ${(error as Error).message}`);
          this.failing = true;
        },
      )
      .finally(() => {
        this.inFlight = null;
      });
    await withTimeout(this.inFlight, SCRAPE_BUDGET_MS, this.what).catch(() => undefined);
  }
}
