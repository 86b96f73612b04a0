import { sql } from '../database/sql';
import { IdempotencyKeys, TakenKey } from './idempotency-keys';
import { IdempotencyKeyReused, IdempotentRequestInFlight } from './idempotency.errors';
import { IdempotentCommand, IdempotentCommands } from './idempotent-command';
import { IdempotentRequest } from './idempotent-request';

type Answer = { id: string; status: string };
type Read = string[];

const newKeys = (): jest.Mocked<IdempotencyKeys> =>
  ({
    claimReading: jest.fn(),
    claim: jest.fn(),
    find: jest.fn(),
    takeOver: jest.fn(),
    complete: jest.fn(),
    recordHeldAnswer: jest.fn(),
    release: jest.fn(),
  }) as unknown as jest.Mocked<IdempotencyKeys>;

describe(IdempotentCommands.name, () => {
  let sut: IdempotentCommands;
  let keys: jest.Mocked<IdempotencyKeys>;
  let command: IdempotentCommand<Read, Answer> & { prepare: jest.Mock };

  const request: IdempotentRequest<Answer> = { userId: 'user-1', key: 'key-1', fingerprint: 'fingerprint-1' };
  const created: Answer = { id: 'order-1', status: 'CREATED' };
  const writes = sql`new_order AS (INSERT INTO orders SELECT ${'order-1'} FROM completed)`;
  const taken = (key: Partial<TakenKey>): TakenKey => ({ fingerprint: 'fingerprint-1', state: 'COMPLETED', answer: created, lapsed: true, ...key });

  beforeEach(() => {
    keys = newKeys();
    sut = new IdempotentCommands(keys);
    command = {
      name: 'CreateOrder',
      readWithClaim: sql`SELECT json_agg(price) FROM catalog`,
      prepare: jest.fn().mockResolvedValue({ answer: created, writes }),
    };
    keys.complete.mockResolvedValue(true);
    keys.release.mockResolvedValue(undefined);
  });

  describe('with a new key', () => {
    beforeEach(() => keys.claimReading.mockResolvedValue({ claimed: true, read: ['price-A'] }));

    it("claims the key with the command's read, runs the command on what was read and completes the key with its answer", async () => {
      await expect(sut.run(request, command)).resolves.toEqual({ answer: created, replayed: false });

      expect(keys.claimReading).toHaveBeenCalledWith(request, 'fingerprint-1', command.readWithClaim);
      expect(command.prepare).toHaveBeenCalledWith(['price-A']);
      expect(keys.complete).toHaveBeenCalledWith(request, created, 0, writes, 'Store.CreateOrderTx');
      expect(keys.release).not.toHaveBeenCalled();
    });

    it('frees the key for a retry when the command fails, and fails with its error', async () => {
      const unknownSku = new Error('unknown sku');
      command.prepare.mockRejectedValue(unknownSku);

      await expect(sut.run(request, command)).rejects.toBe(unknownSku);
      expect(keys.complete).not.toHaveBeenCalled();
      expect(keys.release).toHaveBeenCalledWith(request);
    });

    it('frees the key when the write fails', async () => {
      keys.complete.mockRejectedValue(new Error('connection lost'));

      await expect(sut.run(request, command)).rejects.toThrow('connection lost');
      expect(keys.release).toHaveBeenCalledWith(request);
    });

    it('answers "in flight" and frees nothing when another request took the key over and completed it first', async () => {
      keys.complete.mockResolvedValue(false);

      await expect(sut.run(request, command)).rejects.toBeInstanceOf(IdempotentRequestInFlight);
      expect(keys.release).not.toHaveBeenCalled();
    });

    it('keeps a repeat "in flight" for the hold and a margin to store the held answer (Prefer: wait)', async () => {
      await sut.run({ ...request, hold: { seconds: 10, answer: jest.fn() } }, command);

      expect(keys.complete).toHaveBeenCalledWith(expect.objectContaining({ key: 'key-1' }), created, 15, writes, 'Store.CreateOrderTx');
    });
  });

  describe('with a key already taken', () => {
    beforeEach(() => keys.claimReading.mockResolvedValue({ claimed: false, read: ['price-A'] }));

    it('replays the stored answer of a completed request with the same body, and runs nothing', async () => {
      const stored = { id: 'order-0', status: 'CONFIRMED' };
      keys.find.mockResolvedValue(taken({ answer: stored }));

      await expect(sut.run(request, command)).resolves.toEqual({ answer: stored, replayed: true });
      expect(keys.find).toHaveBeenCalledWith(request);
      expect(command.prepare).not.toHaveBeenCalled();
      expect(keys.complete).not.toHaveBeenCalled();
    });

    it('refuses the key with a different body (a reuse), and runs nothing', async () => {
      keys.find.mockResolvedValue(taken({ fingerprint: 'fingerprint-2' }));

      await expect(sut.run(request, command)).rejects.toBeInstanceOf(IdempotencyKeyReused);
      expect(command.prepare).not.toHaveBeenCalled();
      expect(keys.release).not.toHaveBeenCalled();
    });

    it('refuses a different body even while the first request is in flight', async () => {
      keys.find.mockResolvedValue(taken({ fingerprint: 'fingerprint-2', state: 'IN_FLIGHT', lapsed: false }));

      await expect(sut.run(request, command)).rejects.toBeInstanceOf(IdempotencyKeyReused);
    });

    it('answers "in flight" while the first request is still running', async () => {
      keys.find.mockResolvedValue(taken({ state: 'IN_FLIGHT', answer: null, lapsed: false }));

      await expect(sut.run(request, command)).rejects.toBeInstanceOf(IdempotentRequestInFlight);
      expect(keys.takeOver).not.toHaveBeenCalled();
      expect(keys.release).not.toHaveBeenCalled();
    });

    it('answers "in flight" while the first request still holds its answer (Prefer: wait): that answer is not known yet', async () => {
      keys.find.mockResolvedValue(taken({ state: 'COMPLETED', lapsed: false }));

      await expect(sut.run(request, command)).rejects.toBeInstanceOf(IdempotentRequestInFlight);
    });

    it('takes over a claim whose lease lapsed (its request died) and runs the command', async () => {
      keys.find.mockResolvedValue(taken({ state: 'IN_FLIGHT', answer: null, lapsed: true }));
      keys.takeOver.mockResolvedValue(true);

      await expect(sut.run(request, command)).resolves.toEqual({ answer: created, replayed: false });
      expect(keys.takeOver).toHaveBeenCalledWith(request);
      expect(command.prepare).toHaveBeenCalledWith(['price-A']);
    });

    it('answers "in flight" when another request took the lapsed claim over first', async () => {
      keys.find.mockResolvedValue(taken({ state: 'IN_FLIGHT', answer: null, lapsed: true }));
      keys.takeOver.mockResolvedValue(false);

      await expect(sut.run(request, command)).rejects.toBeInstanceOf(IdempotentRequestInFlight);
      expect(command.prepare).not.toHaveBeenCalled();
    });

    it('claims the key again when its first request failed and freed it in between', async () => {
      keys.find.mockResolvedValue(undefined);
      keys.claim.mockResolvedValue(true);

      await expect(sut.run(request, command)).resolves.toEqual({ answer: created, replayed: false });
      expect(keys.claim).toHaveBeenCalledWith(request, 'fingerprint-1');
    });

    it('looks again when a third request claimed the freed key first', async () => {
      keys.find.mockResolvedValueOnce(undefined).mockResolvedValueOnce(taken({ state: 'IN_FLIGHT', answer: null, lapsed: false }));
      keys.claim.mockResolvedValue(false);

      await expect(sut.run(request, command)).rejects.toBeInstanceOf(IdempotentRequestInFlight);
      expect(keys.find).toHaveBeenCalledTimes(2);
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
