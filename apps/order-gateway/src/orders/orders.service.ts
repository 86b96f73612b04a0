import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { createEvent, Currency, isPaymentMethod, Services } from '@orders/events';
import { AuthenticatedUser, inSpan, TransactionalEvents } from '@orders/platform';
import { randomUUID } from 'node:crypto';
import { DataSource, EntityManager } from 'typeorm';
import { IdempotentRequestInFlight } from '../idempotency/idempotency.errors';
import { IdempotencyService, type Prices } from '../idempotency/idempotency.service';
import { CreateOrderDto } from './dto/create-order.dto';
import { ordersCreated } from './order-metrics';
import { isCancellable, OrderStatus } from './order-status';
import { OrderTransitions } from './order-transitions';
import { ORDER_SELECT, OrderPageView, OrderRow, OrderView, toOrderView } from './order.view';
import { ListOrdersQuery } from './dto/list-orders.query';
import { decodeCursor, encodeCursor } from './order-cursor';
import { OrderNotCancellable, OrderNotFound, UnknownSkus, UnsupportedPaymentMethod } from './orders.errors';

const SERVICE = Services.OrderGateway;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export interface CreateOrderCommand {
  user: AuthenticatedUser;
  idempotencyKey: string;
  fingerprint: string;
  order: CreateOrderDto;
  /** Seconds the caller will hold the answer (Prefer: wait); a repeat meanwhile is a 409. */
  holdSeconds?: number;
}

export interface CreateOrderResult {
  status: number;
  order: OrderView;
  replayed: boolean;
}

@Injectable()
export class OrdersService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly events: TransactionalEvents,
    private readonly idempotency: IdempotencyService,
    private readonly transitions: OrderTransitions,
  ) {}

  /**
   * Accepts an order: prices captured from the catalog, the order, its items, its
   * OrderCreated event and the idempotent response all written in one transaction.
   */
  async createOrder(command: CreateOrderCommand): Promise<CreateOrderResult> {
    return inSpan(SERVICE, 'CreateOrder', async (span) => {
      const { user, idempotencyKey, fingerprint } = command;
      const method = command.order.paymentMethod;
      if (method !== undefined && !isPaymentMethod(method)) throw new UnsupportedPaymentMethod(method);
      const skus = command.order.items.map((item) => item.sku);
      // The claim and the price read in one statement: one round trip instead of two.
      const { claim, prices } = await this.idempotency.claimWithPrices(user.id, idempotencyKey, fingerprint, skus);
      if (claim.kind === 'replay') return { status: claim.status, order: claim.body as OrderView, replayed: true };
      try {
        const order = await this.insertOrder(command, prices);
        span.setAttribute('order.id', order.id);
        ordersCreated.inc();
        return { status: 202, order, replayed: false };
      } catch (error) {
        await this.idempotency.release(user.id, idempotencyKey);
        throw error;
      }
    });
  }

  /** `prices`: read with the idempotency claim, in the same statement. */
  private async insertOrder({ user, idempotencyKey, order: input, holdSeconds }: CreateOrderCommand, prices: Prices): Promise<OrderView> {
    const unknown = await inSpan(SERVICE, 'ValidateOrderItems', () => input.items.filter((item) => !prices.has(item.sku)).map((item) => item.sku));
    if (unknown.length > 0) throw new UnknownSkus(unknown);

    const id = randomUUID();
    const now = new Date();
    const items = input.items.map((item) => {
      const price = prices.get(item.sku);
      if (!price) throw new UnknownSkus([item.sku]); // unreachable: checked just above
      return { sku: item.sku, quantity: item.quantity, unitPriceCents: price.priceCents };
    });
    const totalCents = items.reduce((sum, item) => sum + item.quantity * item.unitPriceCents, 0);
    const currency: Currency = 'USD';
    const history = [{ status: 'CREATED' as OrderStatus, at: now.toISOString() }];
    const view: OrderView = {
      id,
      userId: user.id,
      status: 'CREATED',
      items,
      totalCents,
      currency,
      cancelReason: null,
      history,
      createdAt: now.toISOString(),
      updatedAt: now.toISOString(),
    };

    const created = createEvent('OrderCreated', {
      orderId: id,
      payload: { userId: user.id, items, totalCents, currency, paymentMethod: input.paymentMethod },
    });
    // The whole unit of work in one statement (atomic without BEGIN/COMMIT, one round trip
    // instead of six): the order, its items and its event are written only if the
    // idempotency claim is still ours.
    const orderParams = [
      id,
      user.id,
      totalCents,
      currency,
      input.paymentMethod ?? null,
      JSON.stringify(history),
      now,
      items.map((_, index) => index + 1),
      items.map((item) => item.sku),
      items.map((item) => item.quantity),
      items.map((item) => item.unitPriceCents),
    ];
    const completion = this.idempotency.completion(user.id, idempotencyKey, 202, view, id, orderParams.length + 1, holdSeconds);
    const outbox = this.events.outboxInsert([created], orderParams.length + completion.params.length + 1, 'new_order');
    const [row]: Array<{ written: number }> = await inSpan(SERVICE, 'Store.CreateOrderTx', () =>
      this.dataSource.query(
        `WITH completed AS (${completion.sql}),
       new_order AS (
         INSERT INTO orders (id, user_id, status, total_cents, currency, payment_method, history, status_changed_at, created_at, updated_at)
         SELECT $1::uuid, $2, 'CREATED', $3::bigint, $4, $5, $6::jsonb, $7::timestamptz, $7::timestamptz, $7::timestamptz FROM completed
         RETURNING id),
       new_items AS (
         INSERT INTO order_items (order_id, line_no, sku, quantity, unit_price_cents)
         SELECT new_order.id, u.line_no, u.sku, u.quantity, u.price
           FROM new_order, unnest($8::int[], $9::text[], $10::int[], $11::bigint[]) AS u(line_no, sku, quantity, price)),
       new_events AS (${outbox.sql})
       SELECT count(*)::int AS written FROM new_order`,
        [...orderParams, ...completion.params, ...outbox.params],
      ),
    );
    if (row.written !== 1) throw new IdempotentRequestInFlight();
    this.events.notifyRelay();
    return view;
  }

  /** The answer a create that held its response (Prefer: wait) gave: what a repeat replays. */
  async recordHeldAnswer(user: AuthenticatedUser, idempotencyKey: string, order: OrderView): Promise<void> {
    await this.idempotency.finalResponse(user.id, idempotencyKey, 202, order);
  }

  /** The caller's order (or any order for an admin); anything else is "not found". */
  async getOrder(user: AuthenticatedUser, orderId: string): Promise<OrderView> {
    return toOrderView(await this.readOwned(this.dataSource.manager, user, orderId));
  }

  /** The caller's own orders, newest first, keyset-paginated. */
  async listOrders(user: AuthenticatedUser, query: ListOrdersQuery): Promise<OrderPageView> {
    const limit = query.limit ?? 20;
    const params: unknown[] = [user.id];
    const conditions = ['o.user_id = $1'];
    if (query.status) {
      params.push(query.status);
      conditions.push(`o.status = $${params.length}`);
    }
    if (query.cursor) {
      const cursor = decodeCursor(query.cursor);
      params.push(cursor.createdAt, cursor.id);
      conditions.push(`(o.created_at, o.id) < ($${params.length - 1}::timestamptz, $${params.length}::uuid)`);
    }
    params.push(limit + 1);
    const rows: OrderRow[] = await this.dataSource.query(
      `${ORDER_SELECT} WHERE ${conditions.join(' AND ')} ORDER BY o.created_at DESC, o.id DESC LIMIT $${params.length}`,
      params,
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
    const [row]: Array<OrderRow | undefined> = await manager.query(`${ORDER_SELECT} WHERE o.id = $1`, [orderId]);
    if (!row || (row.user_id !== user.id && !user.roles.includes('admin'))) throw new OrderNotFound();
    return row;
  }
}
