import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { counter, gauge, ScrapeTimeFigures } from '@orders/platform-observability';
import { sleep } from '@orders/platform-async';

/** Rows of `table` older than `keepHours` (by `column`) are deleted. */
export interface RetentionRule {
  table: string;
  column: string;
  keepHours: number;
}

export interface RetentionSettings {
  service: string;
  rules: RetentionRule[];
  intervalMs: number;
  /** Rows deleted per statement: small, so each delete is short and holds few row locks. */
  batchSize: number;
}

export const RETENTION_SETTINGS = Symbol('RETENTION_SETTINGS');

/** Batches one run may delete per table; the rest waits for the next run. */
const MAX_BATCHES_PER_RUN = 200;
/** Between two batches: the hot path gets the connection and the disk back. */
const PAUSE_BETWEEN_BATCHES_MS = 20;

const pruned = counter({ name: 'retention_rows_pruned_total', help: 'Rows deleted by the retention job', labelNames: ['service', 'table'] });
const failures = counter({
  name: 'retention_failures_total',
  help: 'Retention runs of a table that failed (retried next run)',
  labelNames: ['service', 'table'],
});

const jobs = new Set<RetentionJob>();
const refreshAll = () => Promise.all([...jobs].map((job) => job.figures.refresh()));
const tableRows = gauge({
  name: 'retention_table_rows',
  help: "Estimated rows of a table under retention (the planner's estimate: no scan)",
  labelNames: ['service', 'table'],
  async collect() {
    await refreshAll();
  },
});
const tableBytes = gauge({
  name: 'retention_table_bytes',
  help: 'Size on disk of a table under retention, indexes included',
  labelNames: ['service', 'table'],
  async collect() {
    await refreshAll();
  },
});

/**
 * Keeps the tables that grow with traffic (inbox, idempotency keys, …) to their window: every
 * interval, per table, deletes expired rows in small batches. Each batch is one short
 * statement that skips rows another transaction holds (SKIP LOCKED), so pruning never waits
 * on, nor blocks, the request and consumer paths; replicas running it at once share the work.
 */
@Injectable()
export class RetentionJob implements OnModuleInit, OnApplicationBootstrap, OnApplicationShutdown {
  readonly figures = new ScrapeTimeFigures('retention table sizes', () => this.measure());
  private readonly logger = new Logger(RetentionJob.name);
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<Record<string, number>> | null = null;
  private stopping = false;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @Inject(RETENTION_SETTINGS) private readonly settings: RetentionSettings,
  ) {}

  onModuleInit(): void {
    jobs.add(this);
  }

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => void this.pruneNow(), this.settings.intervalMs);
    this.timer.unref();
  }

  async onApplicationShutdown(): Promise<void> {
    jobs.delete(this);
    this.stopping = true;
    if (this.timer) clearInterval(this.timer);
    await this.running?.catch(() => undefined);
  }

  /** One run over every table (joins the run in progress, if any). Rows deleted, by table. */
  pruneNow(): Promise<Record<string, number>> {
    this.running ??= this.pruneAll().finally(() => {
      this.running = null;
    });
    return this.running;
  }

  private async pruneAll(): Promise<Record<string, number>> {
    const deleted: Record<string, number> = {};
    for (const rule of this.settings.rules) {
      deleted[rule.table] = 0;
      try {
        for (let batch = 0; batch < MAX_BATCHES_PER_RUN && !this.stopping; batch++) {
          const count = await this.deleteBatch(rule);
          deleted[rule.table] += count;
          pruned.inc({ service: this.settings.service, table: rule.table }, count);
          if (count < this.settings.batchSize) break;
          await sleep(PAUSE_BETWEEN_BATCHES_MS);
        }
      } catch (error) {
        failures.inc({ service: this.settings.service, table: rule.table });
        this.logger.warn({ table: rule.table, reason: (error as Error).message }, `retention of ${rule.table} failed; retried next run`);
      }
      if (deleted[rule.table] > 0) this.logger.log({ table: rule.table, deleted: deleted[rule.table] }, `pruned ${deleted[rule.table]} rows of ${rule.table}`);
    }
    return deleted;
  }

  private async deleteBatch(rule: RetentionRule): Promise<number> {
    const table = quoteIdentifier(rule.table);
    const column = quoteIdentifier(rule.column);
    const [{ n }]: Array<{ n: number }> = await this.dataSource.query(
      `WITH doomed AS (
         SELECT ctid FROM ${table} WHERE ${column} < now() - $1 * interval '1 hour' LIMIT $2 FOR UPDATE SKIP LOCKED),
       gone AS (DELETE FROM ${table} t USING doomed WHERE t.ctid = doomed.ctid RETURNING 1)
       SELECT count(*)::int AS n FROM gone`,
      [rule.keepHours, this.settings.batchSize],
    );
    return n;
  }

  private async measure(): Promise<void> {
    const tables = this.settings.rules.map((rule) => rule.table);
    const rows: Array<{ name: string; rows: number; bytes: string }> = await this.dataSource.query(
      `SELECT c.relname AS name, greatest(c.reltuples, 0)::float8 AS rows, pg_total_relation_size(c.oid)::text AS bytes
         FROM pg_class c WHERE c.relnamespace = current_schema()::regnamespace AND c.relname = ANY($1::text[])`,
      [tables],
    );
    for (const row of rows) {
      tableRows.set({ service: this.settings.service, table: row.name }, row.rows);
      tableBytes.set({ service: this.settings.service, table: row.name }, Number(row.bytes));
    }
  }
}

function quoteIdentifier(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}
