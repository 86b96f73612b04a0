import { sql } from '../database/sql';
import { Completing, IdempotencyKeys, TakenKey } from './idempotency-keys';
import { IdempotencyKeyReused, IdempotentRequestInFlight } from './idempotency.errors';
import { IdempotentCommand, IdempotentCommands, MAX_ATTEMPTS, PreparedCommand } from './idempotent-command';
import { IdempotentRequest, KeyClaim } from './idempotent-request';

type Answer = { id: string; status: string };

const newKeys = (): jest.Mocked<IdempotencyKeys> =>
  ({
    find: jest.fn(),
    complete: jest.fn(),
    recordHeldAnswer: jest.fn(),
  }) as unknown as jest.Mocked<IdempotencyKeys>;

describe(IdempotentCommands.name, () => {
  let sut: IdempotentCommands;
  let keys: jest.Mocked<IdempotencyKeys>;
  let command: IdempotentCommand<Answer> & { prepare: jest.Mock<Promise<PreparedCommand<Answer>>> };
  let refresh: jest.Mock;

  const claimed = (claim: KeyClaim): IdempotentRequest<Answer> => ({ userId: 'user-1', key: 'key-1', fingerprint: 'fingerprint-1', claim });
  const request = claimed({ kind: 'claimed' });
  const created: Answer = { id: 'order-1', status: 'CREATED' };
  const writes = sql`new_order AS (INSERT INTO orders SELECT ${'order-1'} FROM completed)`;
  const premise = { holds: sql`prices unchanged`, actual: sql`current prices` };
  const taken = (key: Partial<TakenKey>): TakenKey => ({ fingerprint: 'fingerprint-1', state: 'COMPLETED', answer: created, lapsed: true, ...key });
  const completing = (holdSeconds = 0): Completing => ({
    answer: created,
    writes,
    premise: expect.objectContaining(premise) as Completing['premise'],
    holdSeconds,
  });

  beforeEach(() => {
    keys = newKeys();
    sut = new IdempotentCommands(keys);
    refresh = jest.fn();
    command = { name: 'CreateOrder', prepare: jest.fn().mockResolvedValue({ answer: created, writes, premise: { ...premise, refresh } }) };
    keys.complete.mockResolvedValue({ kind: 'completed' });
  });

  describe.each<[string, KeyClaim]>([
    ['claimed in Redis', { kind: 'claimed' }],
    ['unclaimed (Redis unreachable)', { kind: 'unclaimed' }],
  ])('with a key %s', (_case, claim) => {
    it('runs the command and stores its answer with its writes and premise, in one statement', async () => {
      await expect(sut.run(claimed(claim), command)).resolves.toEqual({ answer: created, replayed: false });

      expect(keys.complete).toHaveBeenCalledTimes(1);
      expect(keys.complete).toHaveBeenCalledWith(claimed(claim), 'fingerprint-1', completing(), 'Store.CreateOrderTx');
      expect(keys.find).not.toHaveBeenCalled();
    });

    it('replays the stored answer when the store finds the key already completed with the same body (the last word on duplicates)', async () => {
      const stored = { id: 'order-0', status: 'CONFIRMED' };
      keys.complete.mockResolvedValue({ kind: 'taken' });
      keys.find.mockResolvedValue(taken({ answer: stored }));

      await expect(sut.run(claimed(claim), command)).resolves.toEqual({ answer: stored, replayed: true });
    });

    it('refuses a different body when the store finds the key taken by it', async () => {
      keys.complete.mockResolvedValue({ kind: 'taken' });
      keys.find.mockResolvedValue(taken({ fingerprint: 'fingerprint-2' }));

      await expect(sut.run(claimed(claim), command)).rejects.toBeInstanceOf(IdempotencyKeyReused);
    });

    it.each<[string, Partial<TakenKey> | undefined]>([
      ['still holding its answer (Prefer: wait)', { lapsed: false }],
      ['a legacy IN_FLIGHT row still leased', { state: 'IN_FLIGHT', answer: null, lapsed: false }],
      ['a lapsed legacy IN_FLIGHT row another request took over first', { state: 'IN_FLIGHT', answer: null, lapsed: true }],
      ['gone again (retention)', undefined],
    ])('answers "in flight" when the store finds the key taken and %s', async (_what, key) => {
      keys.complete.mockResolvedValue({ kind: 'taken' });
      keys.find.mockResolvedValue(key && taken(key));

      await expect(sut.run(claimed(claim), command)).rejects.toBeInstanceOf(IdempotentRequestInFlight);
    });
  });

  describe('with prices (a premise) found stale by the statement', () => {
    it('learns the actual values, prepares the command again and stores the new answer', async () => {
      const repriced: Answer = { id: 'order-2', status: 'CREATED' };
      command.prepare
        .mockResolvedValueOnce({ answer: created, writes, premise: { ...premise, refresh } })
        .mockResolvedValueOnce({ answer: repriced, writes, premise: { ...premise, refresh } });
      keys.complete.mockResolvedValueOnce({ kind: 'premise-failed', actual: ['price-B'] }).mockResolvedValueOnce({ kind: 'completed' });

      await expect(sut.run(request, command)).resolves.toEqual({ answer: repriced, replayed: false });
      expect(refresh).toHaveBeenCalledWith(['price-B']);
      expect(refresh.mock.invocationCallOrder[0]).toBeLessThan(command.prepare.mock.invocationCallOrder[1]);
      expect(command.prepare).toHaveBeenCalledTimes(2);
      expect(keys.complete).toHaveBeenCalledTimes(2);
    });

    it(`gives up after ${MAX_ATTEMPTS} attempts rather than looping while prices keep changing`, async () => {
      keys.complete.mockResolvedValue({ kind: 'premise-failed', actual: [] });

      await expect(sut.run(request, command)).rejects.toThrow(/premise failed/);
      expect(keys.complete).toHaveBeenCalledTimes(MAX_ATTEMPTS);
    });
  });

  it("fails with the command's error and writes nothing (admission then frees the claim)", async () => {
    const unknownSku = new Error('unknown sku');
    command.prepare.mockRejectedValue(unknownSku);

    await expect(sut.run(request, command)).rejects.toBe(unknownSku);
    expect(keys.complete).not.toHaveBeenCalled();
  });

  it('keeps a repeat "in flight" for the hold and a margin to store the held answer (Prefer: wait)', async () => {
    const holding = { ...request, hold: { seconds: 10, answer: jest.fn() } };
    await sut.run(holding, command);

    expect(keys.complete).toHaveBeenCalledWith(holding, 'fingerprint-1', completing(15), 'Store.CreateOrderTx');
  });

  describe('with a key held in Redis by another request', () => {
    it('refuses a different body at once (a reuse), and runs nothing', async () => {
      await expect(sut.run(claimed({ kind: 'held', fingerprint: 'fingerprint-2' }), command)).rejects.toBeInstanceOf(IdempotencyKeyReused);
      expect(keys.find).not.toHaveBeenCalled();
      expect(command.prepare).not.toHaveBeenCalled();
    });

    it('replays the stored answer of a completed request with the same body, and runs nothing', async () => {
      const stored = { id: 'order-0', status: 'CONFIRMED' };
      keys.find.mockResolvedValue(taken({ answer: stored }));

      await expect(sut.run(claimed({ kind: 'held', fingerprint: 'fingerprint-1' }), command)).resolves.toEqual({ answer: stored, replayed: true });
      expect(command.prepare).not.toHaveBeenCalled();
      expect(keys.complete).not.toHaveBeenCalled();
    });

    it.each<[string, TakenKey | undefined]>([
      ['not stored yet (still running)', undefined],
      ['holding its answer (Prefer: wait)', taken({ lapsed: false })],
      ['a lapsed legacy IN_FLIGHT row (the claim holder takes it over)', taken({ state: 'IN_FLIGHT', answer: null, lapsed: true })],
    ])('answers "in flight" when the first request is %s, and runs nothing', async (_what, key) => {
      keys.find.mockResolvedValue(key);

      await expect(sut.run(claimed({ kind: 'held', fingerprint: 'fingerprint-1' }), command)).rejects.toBeInstanceOf(IdempotentRequestInFlight);
      expect(command.prepare).not.toHaveBeenCalled();
      expect(keys.complete).not.toHaveBeenCalled();
    });
  });

  describe('holdAnswer (Prefer: wait)', () => {
    it('stores the answer the caller finally gives, so that a repeat replays it rather than the first', async () => {
      const confirmed = { ...created, status: 'CONFIRMED' };
      const answer = jest.fn().mockResolvedValue(confirmed);
      const holding = { ...request, hold: { seconds: 10, answer } };

      await expect(sut.holdAnswer(holding, { answer: created, replayed: false })).resolves.toEqual({ answer: confirmed, replayed: false });
      expect(answer).toHaveBeenCalledWith(created);
      expect(keys.recordHeldAnswer).toHaveBeenCalledWith(holding, confirmed);
    });

    it('returns a replay as it is: a repeat does not wait', async () => {
      const answer = jest.fn();
      const replay = { answer: created, replayed: true };

      await expect(sut.holdAnswer({ ...request, hold: { seconds: 10, answer } }, replay)).resolves.toBe(replay);
      expect(answer).not.toHaveBeenCalled();
      expect(keys.recordHeldAnswer).not.toHaveBeenCalled();
    });

    it('returns the first answer of a request that does not hold it', async () => {
      const fresh = { answer: created, replayed: false };

      await expect(sut.holdAnswer(request, fresh)).resolves.toBe(fresh);
      expect(keys.recordHeldAnswer).not.toHaveBeenCalled();
    });

    it('stores nothing when the wait fails: the first answer is replayed once the hold lapses', async () => {
      const holding = { ...request, hold: { seconds: 10, answer: jest.fn().mockRejectedValue(new Error('database gone')) } };

      await expect(sut.holdAnswer(holding, { answer: created, replayed: false })).rejects.toThrow('database gone');
      expect(keys.recordHeldAnswer).not.toHaveBeenCalled();
    });
  });
});
