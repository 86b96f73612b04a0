import { Injectable, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { gauge, ScrapeTimeFigures } from '@orders/platform-observability';
import { DataSource } from 'typeorm';
import { isTerminal, ORDER_STATUSES } from '../orders/order-status';

const OPEN_STATUSES = ORDER_STATUSES.filter((status) => !isTerminal(status));

// The gateway that answers scrapes (the last one started, in tests that start several).
let current: OrderSagaGauges | null = null;
const refresh = () => current?.figures.refresh();

const ordersByStatus = gauge({
  name: 'orders_by_status',
  help: 'Orders not yet in a terminal status, by status (terminal outcomes: orders_confirmed_total, orders_failed_total)',
  labelNames: ['status'],
  async collect() {
    await refresh();
  },
});

const oldestOpenAge = gauge({
  name: 'order_oldest_open_age_seconds',
  help: 'Age of the oldest order not yet CONFIRMED or CANCELLED (0 when none): a stuck saga shows here first',
  async collect() {
    await refresh();
  },
});

/**
 * Where orders are in the saga, read from the orders table when /metrics is scraped.
 * Only open statuses are counted: they are few, while terminal orders grow forever and
 * are already counted by the business counters.
 */
@Injectable()
export class OrderSagaGauges implements OnModuleInit, OnApplicationShutdown {
  readonly figures = new ScrapeTimeFigures('order gauges', () => this.measure());

  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  onModuleInit(): void {
    current = this;
  }

  onApplicationShutdown(): void {
    if (current === this) current = null;
  }

  private async measure(): Promise<void> {
    const rows: Array<{ status: string; count: number; oldest_seconds: number }> = await this.dataSource.query(
      `SELECT status, count(*)::int AS count, EXTRACT(EPOCH FROM now() - min(created_at))::float AS oldest_seconds
         FROM orders WHERE status = ANY($1::text[]) GROUP BY status`,
      [OPEN_STATUSES],
    );
    for (const status of OPEN_STATUSES) ordersByStatus.set({ status }, rows.find((row) => row.status === status)?.count ?? 0);
    oldestOpenAge.set(Math.max(0, ...rows.map((row) => row.oldest_seconds)));
  }
}
