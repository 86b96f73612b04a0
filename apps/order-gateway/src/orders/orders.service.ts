import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { createEvent, Currency, isPaymentMethod, Services } from '@orders/events';
import { AuthenticatedUser } from '@orders/platform-auth';
import { inSpan } from '@orders/platform-observability';
import { TransactionalEvents } from '@orders/platform-messaging';
import { randomUUID } from 'node:crypto';
import { DataSource, EntityManager } from 'typeorm';
import { runSql, Sql, sql } from '../database/sql';
import { PriceMemory } from '../catalog/price-memory';
import { Idempotent, IdempotentCommands, PreparedCommand } from '../idempotency/idempotent-command';
import { IdempotentRequest } from '../idempotency/idempotent-request';
import { CreateOrderDto } from './dto/create-order.dto';
import { ListOrdersQuery } from './dto/list-orders.query';
import { decodeCursor, encodeCursor } from './order-cursor';
import { ordersCreated } from './order-metrics';
import { isCancellable, OrderStatus } from './order-status';
import { OrderTransitions } from './order-transitions';
import { ORDER_SELECT, OrderPageView, OrderRow, OrderView, toOrderView } from './order.view';
import { OrderNotCancellable, OrderNotFound, UnknownSkus, UnsupportedPaymentMethod } from './orders.errors';

const SERVICE = Services.OrderGateway;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

@Injectable()
export class OrdersService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly events: TransactionalEvents,
    private readonly idempotency: IdempotentCommands,
    private readonly transitions: OrderTransitions,
    private readonly prices: PriceMemory,
  ) {}

  /**
   * Accepts an order, at most once per Idempotency-Key: prices captured from the catalog
   * (remembered, and checked in the write's statement), then the order, its items, its
   * OrderCreated event and the stored answer written in one statement.
   */
  async createOrder(user: AuthenticatedUser, input: CreateOrderDto, request: IdempotentRequest<OrderView>): Promise<Idempotent<OrderView>> {
    const created = await inSpan(SERVICE, 'CreateOrder', async (span) => {
      const method = input.paymentMethod;
      if (method !== undefined && !isPaymentMethod(method)) throw new UnsupportedPaymentMethod(method);
      const outcome = await this.idempotency.run(request, { name: 'CreateOrder', prepare: () => this.prepareOrder(user, input) });
      if (outcome.replayed) return outcome;
      span.setAttribute('order.id', outcome.answer.id);
      ordersCreated.inc();
      this.events.notifyRelay();
      return outcome;
    });
    // Prefer: wait is held outside the CreateOrder span: the wait is the caller's, not the use case's work.
    return this.idempotency.holdAnswer(request, created);
  }

  /**
   * The new order and its writes: the order, its items and its event, each written only
   * if the key is stored with this answer (FROM completed) and the prices it assumed are
   * still the catalog's — atomic without BEGIN/COMMIT, one round trip instead of six.
   */
  private async prepareOrder(user: AuthenticatedUser, input: CreateOrderDto): Promise<PreparedCommand<OrderView>> {
    // The prices remembered (a sku not remembered yet costs a read): the write checks them.
    const prices = await inSpan(SERVICE, 'ValidateOrderItems', async () => {
      const known = await this.prices.pricesOf(input.items.map((item) => item.sku));
      const unknown = input.items.filter((item) => !known.has(item.sku)).map((item) => item.sku);
      if (unknown.length > 0) throw new UnknownSkus(unknown);
      return known;
    });

    const id = randomUUID();
    const now = new Date().toISOString();
    const items = input.items.map((item) => ({ sku: item.sku, quantity: item.quantity, unitPriceCents: prices.get(item.sku) ?? 0 }));
    const totalCents = items.reduce((sum, item) => sum + item.quantity * item.unitPriceCents, 0);
    const currency: Currency = 'USD';
    const history = [{ status: 'CREATED' as OrderStatus, at: now }];
    const order: OrderView = {
      id,
      userId: user.id,
      status: 'CREATED',
      items,
      totalCents,
      currency,
      cancelReason: null,
      history,
      createdAt: now,
      updatedAt: now,
    };
    const created = createEvent('OrderCreated', {
      orderId: id,
      payload: { userId: user.id, items, totalCents, currency, paymentMethod: input.paymentMethod },
    });

    const writes = sql`
      new_order AS (
        INSERT INTO orders (id, user_id, status, total_cents, currency, payment_method, history, status_changed_at, created_at, updated_at)
        SELECT ${id}::uuid, ${user.id}, 'CREATED', ${totalCents}::bigint, ${currency}, ${input.paymentMethod ?? null}, ${JSON.stringify(history)}::jsonb,
               ${now}::timestamptz, ${now}::timestamptz, ${now}::timestamptz
          FROM completed
        RETURNING id),
      new_items AS (
        INSERT INTO order_items (order_id, line_no, sku, quantity, unit_price_cents)
        SELECT new_order.id, u.line_no, u.sku, u.quantity, u.price
          FROM new_order,
               unnest(${items.map((_, index) => index + 1)}::int[], ${items.map((item) => item.sku)}::text[],
                      ${items.map((item) => item.quantity)}::int[], ${items.map((item) => item.unitPriceCents)}::bigint[]) AS u(line_no, sku, quantity, price)),
      new_events AS (${Sql.selfNumbered((firstParam) => this.events.outboxInsert([created], firstParam, 'new_order'))})`;
    return { answer: order, writes, premise: this.prices.unchanged(items) };
  }

  /** The caller's order (or any order for an admin); anything else is "not found". */
  async getOrder(user: AuthenticatedUser, orderId: string): Promise<OrderView> {
    return toOrderView(await this.readOwned(this.dataSource.manager, user, orderId));
  }

  /** The caller's own orders, newest first, keyset-paginated. */
  async listOrders(user: AuthenticatedUser, query: ListOrdersQuery): Promise<OrderPageView> {
    const limit = query.limit ?? 20;
    const conditions = [sql`o.user_id = ${user.id}`];
    if (query.status) conditions.push(sql`o.status = ${query.status}`);
    if (query.cursor) {
      const cursor = decodeCursor(query.cursor);
      conditions.push(sql`(o.created_at, o.id) < (${cursor.createdAt}::timestamptz, ${cursor.id}::uuid)`);
    }
    const rows = await runSql<OrderRow>(
      this.dataSource,
      sql`${ORDER_SELECT} WHERE ${Sql.join(conditions, ' AND ')} ORDER BY o.created_at DESC, o.id DESC LIMIT ${limit + 1}`,
    );
    const page = rows.slice(0, limit).map(toOrderView);
    const last = page.at(-1);
    return { items: page, nextCursor: rows.length > limit && last ? encodeCursor({ createdAt: last.createdAt, id: last.id }) : null };
  }

  /** Accepted while CREATED or RESERVED; stock is released and any charge refunded downstream. */
  async cancelOrder(user: AuthenticatedUser, orderId: string): Promise<OrderView> {
    if (!UUID.test(orderId)) throw new OrderNotFound();
    return this.events.run(async (manager) => {
      const order = await this.transitions.lock(manager, orderId);
      if (!order || order.user_id !== user.id) throw new OrderNotFound();
      if (!isCancellable(order.status)) throw new OrderNotCancellable(order.status);
      const events = await this.transitions.move(manager, order, 'CANCELLED', { reason: 'USER_CANCELLED' });
      return { result: toOrderView(await this.readOwned(manager, user, orderId)), events: events ?? [] };
    });
  }

  private async readOwned(manager: EntityManager, user: AuthenticatedUser, orderId: string): Promise<OrderRow> {
    if (!UUID.test(orderId)) throw new OrderNotFound();
    const [row] = await runSql<OrderRow | undefined>(manager, sql`${ORDER_SELECT} WHERE o.id = ${orderId}`);
    if (!row || (row.user_id !== user.id && !user.roles.includes('admin'))) throw new OrderNotFound();
    return row;
  }
}
