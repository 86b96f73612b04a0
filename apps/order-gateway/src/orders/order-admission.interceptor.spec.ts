import { CallHandler, ExecutionContext } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { lastValueFrom, of, throwError } from 'rxjs';
import { IdempotencyClaims } from '../idempotency/idempotency-claims';
import { requestFingerprint } from '../idempotency/fingerprint';
import { OrderRateLimit } from '../rate-limit/order-rate-limit';
import { RateLimited } from '../rate-limit/rate-limit.errors';
import { admittedKey, OrderAdmission } from './order-admission.interceptor';

describe(OrderAdmission.name, () => {
  let sut: OrderAdmission;
  let rateLimit: jest.Mocked<Pick<OrderRateLimit, 'admit'>>;
  let claims: jest.Mocked<Pick<IdempotencyClaims, 'release'>> & Pick<IdempotencyClaims, 'claimOf'>;
  let handler: jest.Mocked<CallHandler>;

  const body = { items: [{ sku: 'LAMP', quantity: 1 }] };
  const fingerprint = requestFingerprint('POST', '/orders', body);
  const claim = { key: 'idempotency:{alice}:key-1', value: fingerprint, leaseMs: 30_000 };
  const newRequest = (key: string | null = 'key-1') =>
    ({ user: { id: 'alice', roles: [] }, headers: key === null ? {} : { 'idempotency-key': key }, body }) as unknown as FastifyRequest;
  const contextOf = (request: FastifyRequest) => ({ switchToHttp: () => ({ getRequest: () => request }) }) as unknown as ExecutionContext;
  const admit = (request: FastifyRequest) => lastValueFrom(sut.intercept(contextOf(request), handler));

  beforeEach(() => {
    rateLimit = { admit: jest.fn().mockResolvedValue({ kind: 'claimed' }) };
    claims = { claimOf: jest.fn().mockReturnValue(claim), release: jest.fn().mockResolvedValue(undefined) };
    handler = { handle: jest.fn().mockReturnValue(of('accepted')) };
    sut = new OrderAdmission(rateLimit as unknown as OrderRateLimit, claims as unknown as IdempotencyClaims);
  });

  it('takes the rate limit and claims the key with the raw body’s fingerprint in one step, then runs the handler', async () => {
    const request = newRequest();

    await expect(admit(request)).resolves.toBe('accepted');

    expect(claims.claimOf).toHaveBeenCalledWith({ userId: 'alice', key: 'key-1', fingerprint });
    expect(rateLimit.admit).toHaveBeenCalledWith('alice', claim);
    expect(admittedKey(request)).toEqual({ userId: 'alice', key: 'key-1', fingerprint, claim: { kind: 'claimed' } });
    expect(claims.release).not.toHaveBeenCalled();
  });

  it('refuses over the limit without running the handler; the claim was never taken, so there is nothing to release', async () => {
    rateLimit.admit.mockRejectedValue(new RateLimited(60, 5));

    await expect(admit(newRequest())).rejects.toBeInstanceOf(RateLimited);
    expect(handler.handle).not.toHaveBeenCalled();
    expect(claims.release).not.toHaveBeenCalled();
  });

  it('releases its claim when the request fails after it (validation, 422, 5xx), with the same error', async () => {
    const invalid = new Error('validation failed');
    handler.handle.mockReturnValue(throwError(() => invalid));

    await expect(admit(newRequest())).rejects.toBe(invalid);
    expect(claims.release).toHaveBeenCalledWith({ userId: 'alice', key: 'key-1', fingerprint });
  });

  it.each([
    ['held by another request', { kind: 'held', value: 'fingerprint-0' }, { kind: 'held', fingerprint: 'fingerprint-0' }],
    ['unclaimed (Redis unreachable)', { kind: 'unclaimed' }, { kind: 'unclaimed' }],
  ])('never releases a claim it does not hold: %s', async (_case, decision, claimed) => {
    rateLimit.admit.mockResolvedValue(decision as never);
    handler.handle.mockReturnValue(throwError(() => new Error('in flight')));
    const request = newRequest();

    await expect(admit(request)).rejects.toThrow('in flight');
    expect(admittedKey(request)?.claim).toEqual(claimed);
    expect(claims.release).not.toHaveBeenCalled();
  });

  it('claims nothing for a body nested deeper than validation accepts (it would overflow the fingerprint), and lets validation refuse it', async () => {
    let deep: unknown = 'LAMP';
    for (let depth = 0; depth < 20_000; depth += 1) deep = [deep];
    const request = { ...newRequest(), body: { items: [{ sku: deep, quantity: 1 }] } } as unknown as FastifyRequest;

    await expect(admit(request)).resolves.toBe('accepted');
    expect(rateLimit.admit).toHaveBeenCalledWith('alice', undefined);
  });

  it.each([
    ['missing', null],
    ['invalid', 'clé'],
  ])('counts an attempt with a %s key but claims nothing (the handler answers 400)', async (_case, key) => {
    const request = newRequest(key);

    await expect(admit(request)).resolves.toBe('accepted');
    expect(rateLimit.admit).toHaveBeenCalledWith('alice', undefined);
    expect(admittedKey(request)).toBeUndefined();
  });
});
