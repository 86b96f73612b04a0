import { EventEnvelope } from '@orders/events';
import { AuthenticatedUser } from '@orders/platform-auth';
import { TransactionalEvents, UnitOfWork } from '@orders/platform-messaging';
import { DataSource, EntityManager } from 'typeorm';
import { PriceMemory } from '../catalog/price-memory';
import { sql } from '../database/sql';
import { Idempotent, IdempotentCommand, IdempotentCommands, PreparedCommand } from '../idempotency/idempotent-command';
import { IdempotentRequest } from '../idempotency/idempotent-request';
import { CreateOrderDto } from './dto/create-order.dto';
import { LockedOrder, OrderTransitions } from './order-transitions';
import { OrderRow, OrderView } from './order.view';
import { OrderNotCancellable, OrderNotFound, UnknownSkus, UnsupportedPaymentMethod } from './orders.errors';
import { OrdersService } from './orders.service';

const ORDER_ID = '0b9d4c4e-7c1a-4f43-9a55-2f7c8d1e6a10';
const alice: AuthenticatedUser = { id: 'alice', roles: [] };
const request: IdempotentRequest<OrderView> = { userId: 'alice', key: 'key-1', fingerprint: 'fingerprint-1', claim: { kind: 'claimed' } };
const catalog = new Map([
  ['LAMP', 1299],
  ['BULB', 250],
]);

type CreateOrderCommand = IdempotentCommand<OrderView>;

const orderRow = (row: Partial<OrderRow> = {}): OrderRow => ({
  id: ORDER_ID,
  user_id: 'alice',
  status: 'CREATED',
  cancel_reason: null,
  total_cents: '1299',
  currency: 'USD',
  payment_method: null,
  history: [{ status: 'CREATED', at: '2026-01-02T03:04:05.678Z' }],
  items: [{ sku: 'LAMP', quantity: 1, unitPriceCents: 1299 }],
  created_at: new Date('2026-01-02T03:04:05.678Z'),
  updated_at: new Date('2026-01-02T03:04:05.678Z'),
  ...row,
});

describe(OrdersService.name, () => {
  let sut: OrdersService;
  let manager: { query: jest.Mock };
  let dataSource: { query: jest.Mock; manager: { query: jest.Mock } };
  let events: { run: jest.Mock; outboxInsert: jest.Mock; notifyRelay: jest.Mock };
  let idempotency: { run: jest.Mock; holdAnswer: jest.Mock };
  let transitions: { lock: jest.Mock; move: jest.Mock };
  let prices: { pricesOf: jest.Mock; unchanged: jest.Mock };
  const premise = { holds: sql`prices unchanged`, actual: sql`current prices`, refresh: jest.fn() };

  beforeEach(() => {
    manager = { query: jest.fn() };
    dataSource = { query: jest.fn(), manager: { query: jest.fn() } };
    events = {
      run: jest.fn(async (work: (manager: EntityManager) => Promise<UnitOfWork<unknown>>) => (await work(manager as unknown as EntityManager)).result),
      outboxInsert: jest.fn((_events: EventEnvelope[], first: number) => ({ sql: `INSERT INTO outbox VALUES ($${first})`, params: ['event'] })),
      notifyRelay: jest.fn(),
    };
    idempotency = { run: jest.fn(), holdAnswer: jest.fn(async (_request: unknown, outcome: Idempotent<OrderView>) => outcome) };
    transitions = { lock: jest.fn(), move: jest.fn() };
    prices = { pricesOf: jest.fn(), unchanged: jest.fn().mockReturnValue(premise) };
    sut = new OrdersService(
      dataSource as unknown as DataSource,
      events as unknown as TransactionalEvents,
      idempotency as unknown as IdempotentCommands,
      transitions as unknown as OrderTransitions,
      prices as unknown as PriceMemory,
    );
  });

  describe('createOrder', () => {
    const input: CreateOrderDto = {
      items: [
        { sku: 'LAMP', quantity: 2 },
        { sku: 'BULB', quantity: 4 },
      ],
      paymentMethod: 'pm_card_ok',
    };

    /** The idempotency wrapper as for a new key: runs the command with the prices remembered; the command under test is kept. */
    function claimNewKey(known: ReadonlyMap<string, number>): { command: () => CreateOrderCommand; prepared: () => PreparedCommand<OrderView> } {
      prices.pricesOf.mockResolvedValue(known);
      let command: CreateOrderCommand | undefined;
      let prepared: PreparedCommand<OrderView> | undefined;
      idempotency.run.mockImplementation(async (_request: IdempotentRequest<OrderView>, given: CreateOrderCommand): Promise<Idempotent<OrderView>> => {
        command = given;
        prepared = await given.prepare();
        return { answer: prepared.answer, replayed: false };
      });
      return { command: () => command!, prepared: () => prepared! };
    }

    it('refuses a payment method the provider does not offer, before running the command', async () => {
      await expect(sut.createOrder(alice, { items: input.items, paymentMethod: 'pm_bitcoin' }, request)).rejects.toBeInstanceOf(UnsupportedPaymentMethod);
      expect(idempotency.run).not.toHaveBeenCalled();
    });

    it('prices the order from the remembered catalog prices of the skus asked for, and makes them its premise', async () => {
      const claimed = claimNewKey(catalog);
      await sut.createOrder(alice, input, request);

      expect(idempotency.run).toHaveBeenCalledWith(request, expect.objectContaining({ name: 'CreateOrder' }));
      expect(prices.pricesOf).toHaveBeenCalledWith(['LAMP', 'BULB']);
      expect(prices.unchanged).toHaveBeenCalledWith(claimed.prepared().answer.items);
      expect(claimed.prepared().premise).toBe(premise);
    });

    it('prices the order again from what the statement found when its premise failed', async () => {
      const claimed = claimNewKey(catalog);
      await sut.createOrder(alice, input, request);
      prices.pricesOf.mockResolvedValue(new Map([...catalog, ['LAMP', 1499]]));

      const again = await claimed.command().prepare();

      expect(again.answer.items).toEqual([
        { sku: 'LAMP', quantity: 2, unitPriceCents: 1499 },
        { sku: 'BULB', quantity: 4, unitPriceCents: 250 },
      ]);
      expect(again.answer.totalCents).toBe(2 * 1499 + 4 * 250);
      expect(again.answer.id).not.toBe(claimed.prepared().answer.id);
    });

    it('returns the new order, CREATED, priced from the catalog read with the claim', async () => {
      claimNewKey(catalog);

      const { answer: order, replayed } = await sut.createOrder(alice, input, request);

      expect(replayed).toBe(false);
      expect(order).toMatchObject({
        userId: 'alice',
        status: 'CREATED',
        items: [
          { sku: 'LAMP', quantity: 2, unitPriceCents: 1299 },
          { sku: 'BULB', quantity: 4, unitPriceCents: 250 },
        ],
        totalCents: 2 * 1299 + 4 * 250,
        currency: 'USD',
        cancelReason: null,
      });
      expect(order.history).toEqual([{ status: 'CREATED', at: order.createdAt }]);
      expect(order.updatedAt).toBe(order.createdAt);
    });

    it('writes the order with its OrderCreated event, published only if the order row was written', async () => {
      const claimed = claimNewKey(catalog);

      const { answer: order } = await sut.createOrder(alice, input, request);

      // The outbox fragment numbers its own parameters, so it is built when the statement is rendered.
      const { text, params } = claimed.prepared().writes.toQuery();
      const [[published, , onlyIf]] = events.outboxInsert.mock.calls as Array<[EventEnvelope[], number, string]>;
      expect(published).toEqual([
        expect.objectContaining({
          eventType: 'OrderCreated',
          orderId: order.id,
          payload: { userId: 'alice', items: order.items, totalCents: order.totalCents, currency: 'USD', paymentMethod: 'pm_card_ok' },
        }),
      ]);
      expect(onlyIf).toBe('new_order');
      expect(text).toMatch(/INSERT INTO orders [^;]* FROM completed/);
      expect(params).toEqual(expect.arrayContaining([order.id, 'alice', order.totalCents, ['LAMP', 'BULB'], [2, 4], [1299, 250], 'event']));
      expect(events.notifyRelay).toHaveBeenCalledTimes(1);
    });

    it('refuses skus missing from the catalog, naming each, and writes nothing', async () => {
      claimNewKey(new Map([['LAMP', 1299]]));

      const refused = sut.createOrder(
        alice,
        {
          items: [
            { sku: 'LAMP', quantity: 1 },
            { sku: 'BULB', quantity: 1 },
            { sku: 'GONE', quantity: 1 },
          ],
        },
        request,
      );

      await expect(refused).rejects.toBeInstanceOf(UnknownSkus);
      await expect(refused).rejects.toMatchObject({ errors: [{ message: 'unknown sku BULB' }, { message: 'unknown sku GONE' }] });
      expect(events.outboxInsert).not.toHaveBeenCalled();
      expect(events.notifyRelay).not.toHaveBeenCalled();
    });

    it('refuses every sku when the catalog knows none of them', async () => {
      claimNewKey(new Map());

      await expect(sut.createOrder(alice, input, request)).rejects.toBeInstanceOf(UnknownSkus);
    });

    it('returns a replayed order as stored, writing and announcing nothing', async () => {
      const stored = { id: ORDER_ID, status: 'CONFIRMED' } as OrderView;
      idempotency.run.mockResolvedValue({ answer: stored, replayed: true });

      await expect(sut.createOrder(alice, input, request)).resolves.toEqual({ answer: stored, replayed: true });
      expect(events.notifyRelay).not.toHaveBeenCalled();
    });

    it('returns the answer the caller held (Prefer: wait), as the idempotency wrapper stored it', async () => {
      claimNewKey(catalog);
      const confirmed = { id: ORDER_ID, status: 'CONFIRMED' } as OrderView;
      idempotency.holdAnswer.mockResolvedValue({ answer: confirmed, replayed: false });
      const holding = { ...request, hold: { seconds: 10, answer: jest.fn() } };

      await expect(sut.createOrder(alice, input, holding)).resolves.toEqual({ answer: confirmed, replayed: false });
      expect(idempotency.holdAnswer).toHaveBeenCalledWith(holding, expect.objectContaining({ replayed: false }));
    });
  });

  describe('getOrder', () => {
    it("returns the caller's order", async () => {
      dataSource.manager.query.mockResolvedValue([orderRow()]);

      await expect(sut.getOrder(alice, ORDER_ID)).resolves.toMatchObject({ id: ORDER_ID, userId: 'alice', totalCents: 1299 });
      expect(dataSource.manager.query).toHaveBeenCalledWith(expect.stringMatching(/WHERE o\.id = \$1$/), [ORDER_ID]);
    });

    it("answers someone else's order as not found, but lets an admin read it", async () => {
      dataSource.manager.query.mockResolvedValue([orderRow({ user_id: 'bob' })]);

      await expect(sut.getOrder(alice, ORDER_ID)).rejects.toBeInstanceOf(OrderNotFound);
      await expect(sut.getOrder({ id: 'root', roles: ['admin'] }, ORDER_ID)).resolves.toMatchObject({ userId: 'bob' });
    });

    it('answers an id that is not a uuid as not found without asking the database', async () => {
      await expect(sut.getOrder(alice, 'not-a-uuid')).rejects.toBeInstanceOf(OrderNotFound);
      expect(dataSource.manager.query).not.toHaveBeenCalled();
    });
  });

  describe('listOrders', () => {
    const rows = ['2026-01-03', '2026-01-02', '2026-01-01'].map((day, index) =>
      orderRow({ id: `0b9d4c4e-7c1a-4f43-9a55-2f7c8d1e6a1${index}`, created_at: new Date(`${day}T00:00:00.000Z`) }),
    );

    it('asks for one order more than the page, and gives a cursor at the last order shown only when there is more', async () => {
      dataSource.query.mockResolvedValue(rows);

      const page = await sut.listOrders(alice, { limit: 2 });

      expect(page.items.map((order) => order.id)).toEqual([rows[0].id, rows[1].id]);
      expect(page.nextCursor).not.toBeNull();
      const [, params] = dataSource.query.mock.calls[0] as [string, unknown[]];
      expect(params).toEqual(['alice', 3]);

      dataSource.query.mockResolvedValue(rows.slice(0, 2));
      expect((await sut.listOrders(alice, { limit: 2 })).nextCursor).toBeNull();
    });

    it('continues after the cursor, filtered by status', async () => {
      dataSource.query.mockResolvedValue(rows);
      const { nextCursor } = await sut.listOrders(alice, { limit: 2 });
      dataSource.query.mockResolvedValue([]);

      await sut.listOrders(alice, { limit: 2, status: 'CREATED', cursor: nextCursor! });

      const [text, params] = dataSource.query.mock.calls[1] as [string, unknown[]];
      expect(text).toMatch(/o\.user_id = \$1 AND o\.status = \$2 AND \(o\.created_at, o\.id\) < \(\$3::timestamptz, \$4::uuid\) .* LIMIT \$5$/s);
      expect(params).toEqual(['alice', 'CREATED', '2026-01-02T00:00:00.000Z', rows[1].id, 3]);
    });
  });

  describe('cancelOrder', () => {
    const locked = (order: Partial<LockedOrder> = {}): LockedOrder => ({
      id: ORDER_ID,
      user_id: 'alice',
      status: 'CREATED',
      total_cents: '1299',
      created_at: new Date(),
      ...order,
    });

    it('cancels a CREATED order as USER_CANCELLED and publishes what the move announces, in the same transaction', async () => {
      const cancelled = [{ eventType: 'OrderCancelled' }] as unknown as EventEnvelope[];
      const order = locked();
      transitions.lock.mockResolvedValue(order);
      transitions.move.mockResolvedValue(cancelled);
      manager.query.mockResolvedValue([orderRow({ status: 'CANCELLED', cancel_reason: 'USER_CANCELLED' })]);
      let unit: UnitOfWork<OrderView> | undefined;
      events.run.mockImplementation(async (work: (manager: EntityManager) => Promise<UnitOfWork<OrderView>>) => {
        unit = await work(manager as unknown as EntityManager);
        return unit.result;
      });

      await expect(sut.cancelOrder(alice, ORDER_ID)).resolves.toMatchObject({ status: 'CANCELLED', cancelReason: 'USER_CANCELLED' });
      expect(transitions.move).toHaveBeenCalledWith(manager, order, 'CANCELLED', { reason: 'USER_CANCELLED' });
      expect(unit?.events).toBe(cancelled);
    });

    it('refuses an order that is past the point of cancelling', async () => {
      transitions.lock.mockResolvedValue(locked({ status: 'PAID' }));

      await expect(sut.cancelOrder(alice, ORDER_ID)).rejects.toBeInstanceOf(OrderNotCancellable);
      expect(transitions.move).not.toHaveBeenCalled();
    });

    it("answers someone else's order, or none, as not found", async () => {
      transitions.lock.mockResolvedValueOnce(locked({ user_id: 'bob' })).mockResolvedValueOnce(undefined);

      await expect(sut.cancelOrder(alice, ORDER_ID)).rejects.toBeInstanceOf(OrderNotFound);
      await expect(sut.cancelOrder(alice, ORDER_ID)).rejects.toBeInstanceOf(OrderNotFound);
      expect(transitions.move).not.toHaveBeenCalled();
    });

    it('answers an id that is not a uuid as not found without a transaction', async () => {
      await expect(sut.cancelOrder(alice, 'drop table')).rejects.toBeInstanceOf(OrderNotFound);
      expect(events.run).not.toHaveBeenCalled();
    });
  });
});
