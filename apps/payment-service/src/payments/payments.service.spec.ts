import { Logger } from '@nestjs/common';
import { createEvent, type Currency, EnvelopeOf } from '@orders/events';
import { EventBatch, OutboxEntry, TransactionalEvents, withAfterCommit } from '@orders/platform-messaging';
import { randomUUID } from 'node:crypto';
import type { EntityManager } from 'typeorm';
import { PaymentConfig } from '../config/payment.config';
import { ChargeResult, PaymentProvider } from '../provider/payment-provider';
import { NewPayment, PaymentMove, PaymentRow, PaymentStore } from './payment-store';
import { PaymentsService } from './payments.service';

const manager = {} as EntityManager;

/**
 * The service under test with every collaborator mocked: the store keeps its rows in a map
 * (what the SQL would return), the outbox collects what a commit would publish, and
 * `transactions` counts the units of work open, so a provider call can tell if it ran inside one.
 */
function newTestService(settings: { concurrency?: number } = {}) {
  const rows = new Map<string, PaymentRow>();
  const copyOf = (id: string) => (rows.has(id) ? { ...rows.get(id)! } : undefined);
  const store = {
    find: jest.fn(async (id: string) => copyOf(id)),
    insertPending: jest.fn(async (_: EntityManager, payments: NewPayment[]) => {
      const fresh = payments.filter((payment) => ![...rows.values()].some((row) => row.order_id === payment.orderId));
      for (const payment of fresh)
        rows.set(payment.id, paymentRow({ id: payment.id, order_id: payment.orderId, amount_cents: String(payment.amountCents), currency: payment.currency }));
      return new Set(fresh.map((payment) => payment.id));
    }),
    insertTombstones: jest.fn(async () => undefined),
    lockByOrder: jest.fn(async (_: EntityManager, orderIds: string[]) =>
      [...rows.values()].filter((row) => orderIds.includes(row.order_id)).map((row) => ({ ...row })),
    ),
    lockByIds: jest.fn(async (_: EntityManager, ids: string[]) => ids.flatMap((id) => copyOf(id) ?? [])),
    move: jest.fn(async (_: EntityManager, moves: PaymentMove[]) => {
      for (const move of moves) {
        const row = rows.get(move.id)!;
        rows.set(move.id, { ...row, status: move.to, provider_tx_id: move.providerTxId ?? row.provider_tx_id });
      }
    }),
    claimExpiredLeases: jest.fn(async (): Promise<string[]> => []),
  };
  let transactions = 0;
  const outbox: OutboxEntry[] = [];
  const events = {
    runTraced: jest.fn((work: (manager: EntityManager) => Promise<OutboxEntry[]>) =>
      withAfterCommit(async () => {
        transactions += 1;
        try {
          outbox.push(...(await work(manager)));
        } finally {
          transactions -= 1;
        }
      }),
    ),
  };
  const callsInTransaction: string[] = [];
  const provider = {
    charge: jest.fn(async (request: { paymentId: string }): Promise<ChargeResult> => {
      if (transactions > 0) callsInTransaction.push(`charge ${request.paymentId}`);
      return { approved: true, providerTxId: `tx_${request.paymentId}` };
    }),
    refund: jest.fn(async (providerTxId: string) => {
      if (transactions > 0) callsInTransaction.push(`refund ${providerTxId}`);
      return { refundId: `re_${providerTxId}` };
    }),
  } satisfies PaymentProvider;
  const config = { PAYMENT_CONCURRENCY: settings.concurrency ?? 10, PAYMENT_PROVIDER_TIMEOUT_MS: 1_000 } as PaymentConfig;
  const sut = new PaymentsService(store as unknown as PaymentStore, events as unknown as TransactionalEvents, provider, config);

  /** Runs a batch handler the way the consumer does: inside a unit of work, its effects after the commit. */
  const inUnitOfWork = (handle: () => Promise<void>) =>
    withAfterCommit(async () => {
      transactions += 1;
      try {
        await handle();
      } finally {
        transactions -= 1;
      }
    });
  const reserve = (...events: Array<EnvelopeOf<'OrderReserved'>>) =>
    inUnitOfWork(() => sut.acceptReservedOrders(new EventBatch(events, manager, new Map(), outbox)));
  const cancel = (...events: Array<EnvelopeOf<'OrderCancelled'>>) =>
    inUnitOfWork(() => sut.voidForCancelledOrders(new EventBatch(events, manager, new Map(), outbox)));

  return { sut, store, provider, rows, outbox, callsInTransaction, reserve, cancel };
}

function paymentRow(fields: Partial<PaymentRow> & Pick<PaymentRow, 'id' | 'order_id'>): PaymentRow {
  return { amount_cents: '2598', currency: 'USD', payment_method: 'pm_card_ok', status: 'PENDING', provider_tx_id: null, ...fields };
}

const orderReserved = (orderId: string = randomUUID()) =>
  createEvent('OrderReserved', {
    orderId,
    payload: {
      userId: 'alice',
      items: [{ sku: 'MUG', quantity: 2, unitPriceCents: 1299 }],
      totalCents: 2598,
      currency: 'USD',
      paymentMethod: 'pm_card_ok',
      path: 'redis',
    },
  });

const orderCancelled = (orderId: string) => createEvent('OrderCancelled', { orderId, payload: { reason: 'PAYMENT_TIMEOUT' } });

/** Lets every queued call, answer and commit run (the mocks answer at once). */
const runQueuedWork = async () => {
  for (let turn = 0; turn < 20; turn += 1) await new Promise((resolve) => setImmediate(resolve));
};

/** A provider answer the test releases. */
function deferred<T>() {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((done) => (resolve = done));
  return { promise, resolve };
}

const published = (outbox: OutboxEntry[]) => outbox.map((entry) => ({ type: entry.event.eventType, payload: entry.event.payload }));

describe(PaymentsService.name, () => {
  beforeAll(() => Logger.overrideLogger(false));

  it('charges a reserved order once and announces the success', async () => {
    const { provider, rows, outbox, reserve } = newTestService();
    const reserved = orderReserved();

    await reserve(reserved);
    await runQueuedWork();
    // Delivered again (a replay under a new event id): the order has its payment already.
    await reserve(orderReserved(reserved.orderId!));
    await runQueuedWork();
    const [payment] = rows.values();

    expect(provider.charge).toHaveBeenCalledTimes(1);
    expect(provider.charge).toHaveBeenCalledWith({ paymentId: payment.id, amountCents: 2598, currency: 'USD', paymentMethod: 'pm_card_ok' });
    expect(rows.get(payment.id)).toMatchObject({ status: 'SUCCEEDED', provider_tx_id: `tx_${payment.id}` });
    expect(published(outbox)).toEqual([
      { type: 'PaymentSuccess', payload: { paymentId: payment.id, amountCents: 2598, currency: 'USD', providerTxId: `tx_${payment.id}` } },
    ]);
  });

  it('announces a success in the currency of the payment row, never a fixed one', async () => {
    const { sut, store, rows, outbox } = newTestService();
    // A currency the contract does not have yet: only the row can have said it.
    rows.set('p1', paymentRow({ id: 'p1', order_id: 'o1', currency: 'EUR' as Currency }));
    store.claimExpiredLeases.mockResolvedValueOnce(['p1']);

    await sut.recoverExpiredLeases();
    await runQueuedWork();

    expect(outbox.map((entry) => entry.event.payload)).toEqual([expect.objectContaining({ currency: 'EUR' })]);
  });

  it('records a declined charge as FAILED and publishes PaymentFailed with the reason', async () => {
    const { provider, store, rows, outbox, reserve } = newTestService();
    provider.charge.mockResolvedValueOnce({ approved: false, reason: 'card_declined' });

    await reserve(orderReserved());
    await runQueuedWork();

    const [payment] = rows.values();
    expect(store.move).toHaveBeenLastCalledWith(manager, [{ id: payment.id, to: 'FAILED', failureReason: 'card_declined' }]);
    expect(published(outbox)).toEqual([{ type: 'PaymentFailed', payload: { paymentId: payment.id, amountCents: 2598, reason: 'card_declined' } }]);
  });

  it('refunds a charge that went through after the order was cancelled, never calling the provider inside a transaction', async () => {
    const { provider, rows, outbox, callsInTransaction, reserve, cancel } = newTestService();
    const answer = deferred<ChargeResult>();
    provider.charge.mockReturnValueOnce(answer.promise);
    const reserved = orderReserved();

    await reserve(reserved);
    await runQueuedWork();
    const [payment] = rows.values();
    await cancel(orderCancelled(reserved.orderId!));
    expect(rows.get(payment.id)!.status).toBe('CANCELLED');
    answer.resolve({ approved: true, providerTxId: 'tx_late' });
    await runQueuedWork();

    expect(provider.refund).toHaveBeenCalledWith('tx_late', 2598);
    expect(rows.get(payment.id)!.status).toBe('REFUNDED');
    expect(published(outbox)).toEqual([
      { type: 'PaymentSuccess', payload: { paymentId: payment.id, amountCents: 2598, currency: 'USD', providerTxId: 'tx_late' } },
      { type: 'PaymentRefunded', payload: { paymentId: payment.id, amountCents: 2598, refundId: 're_tx_late' } },
    ]);
    expect(callsInTransaction).toEqual([]);
  });

  it('refunds a paid payment once its order is cancelled, after the cancellation commits', async () => {
    const { provider, rows, outbox, callsInTransaction, cancel } = newTestService();
    rows.set('p1', paymentRow({ id: 'p1', order_id: 'o1', status: 'SUCCEEDED', provider_tx_id: 'tx_1' }));

    await cancel(orderCancelled('o1'));
    expect(rows.get('p1')!.status).toBe('REFUNDING');
    await runQueuedWork();

    expect(provider.refund).toHaveBeenCalledTimes(1);
    expect(callsInTransaction).toEqual([]);
    expect(rows.get('p1')!.status).toBe('REFUNDED');
    expect(published(outbox)).toEqual([{ type: 'PaymentRefunded', payload: { paymentId: 'p1', amountCents: 2598, refundId: 're_tx_1' } }]);
  });

  it('charges nothing for an order cancelled before its reservation arrived', async () => {
    const { provider, store, cancel } = newTestService();

    await cancel(orderCancelled('o1'));

    expect(store.insertTombstones).toHaveBeenCalledWith(manager, ['o1']);
    expect(provider.charge).not.toHaveBeenCalled();
    expect(provider.refund).not.toHaveBeenCalled();
  });

  it('changes nothing when an event or an answer arrives again for a payment settled already', async () => {
    const { sut, provider, store, rows, outbox, reserve, cancel } = newTestService();
    rows.set('p1', paymentRow({ id: 'p1', order_id: 'o1', status: 'REFUNDED', provider_tx_id: 'tx_1' }));
    rows.set('p2', paymentRow({ id: 'p2', order_id: 'o2', status: 'FAILED' }));
    store.claimExpiredLeases.mockResolvedValueOnce(['p1', 'p2']).mockResolvedValueOnce(['p1']);

    await cancel(orderCancelled('o1'), orderCancelled('o2'));
    await reserve(orderReserved('o1'));
    await sut.recoverExpiredLeases();
    await runQueuedWork();

    expect(provider.charge).not.toHaveBeenCalled();
    expect(provider.refund).not.toHaveBeenCalled();
    expect(store.move.mock.calls.flatMap(([, moves]) => moves)).toEqual([]);
    expect(outbox).toEqual([]);
  });

  it('records nothing when the provider does not answer: the lease expiry tries again', async () => {
    const { sut, provider, store, rows, outbox, reserve } = newTestService();
    provider.charge.mockRejectedValueOnce(new Error('payment provider did not answer within 1000 ms'));

    await reserve(orderReserved());
    await runQueuedWork();
    const [payment] = rows.values();
    expect(rows.get(payment.id)!.status).toBe('PENDING');
    expect(outbox).toEqual([]);

    store.claimExpiredLeases.mockResolvedValueOnce([payment.id]);
    await sut.recoverExpiredLeases();
    await runQueuedWork();
    expect(provider.charge).toHaveBeenCalledTimes(2);
    expect(rows.get(payment.id)!.status).toBe('SUCCEEDED');
  });

  it('never charges one payment twice at once, even when recovery claims it while the provider is charging', async () => {
    const { sut, provider, store, rows, reserve } = newTestService();
    const answer = deferred<ChargeResult>();
    provider.charge.mockReturnValueOnce(answer.promise);

    await reserve(orderReserved());
    await runQueuedWork();
    const [payment] = rows.values();
    store.claimExpiredLeases.mockResolvedValueOnce([payment.id]);
    await sut.recoverExpiredLeases();
    await runQueuedWork();
    answer.resolve({ approved: true, providerTxId: 'tx_1' });
    await runQueuedWork();

    expect(provider.charge).toHaveBeenCalledTimes(1);
  });

  it('keeps at most PAYMENT_CONCURRENCY charges at the provider and starts the next as one ends', async () => {
    const { provider, reserve } = newTestService({ concurrency: 2 });
    const answers = [deferred<ChargeResult>(), deferred<ChargeResult>(), deferred<ChargeResult>()];
    for (const answer of answers) provider.charge.mockReturnValueOnce(answer.promise);

    await reserve(orderReserved(), orderReserved(), orderReserved(), orderReserved());
    await runQueuedWork();
    expect(provider.charge).toHaveBeenCalledTimes(2);

    answers[0].resolve({ approved: false, reason: 'card_declined' });
    await runQueuedWork();
    expect(provider.charge).toHaveBeenCalledTimes(3);

    for (const answer of answers.slice(1)) answer.resolve({ approved: true, providerTxId: 'tx' });
    await runQueuedWork();
    expect(provider.charge).toHaveBeenCalledTimes(4);
  });
});
