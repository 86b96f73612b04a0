import { bodyShapeProblems, ValidationFailed } from '@orders/platform-http';
import { requestFingerprint } from './fingerprint';
import { UserKey } from './idempotency-keys';

/** What an Idempotency-Key may be: 1-255 printable ASCII characters (0x20-0x7E). */
export const IDEMPOTENCY_KEY = /^[\x20-\x7E]{1,255}$/;

/** A user's key and the fingerprint of method, path and body that tells a repeat from a reuse of the key. */
export interface FingerprintedKey extends UserKey {
  fingerprint: string;
}

/**
 * What the request's claim of its key (in Redis, at admission) found: claimed by this request,
 * held by another one (with that request's fingerprint), or not claimed (Redis unreachable):
 * then the store alone settles duplicates.
 */
export type KeyClaim = { kind: 'claimed' } | { kind: 'held'; fingerprint: string } | { kind: 'unclaimed' };

/** A key fingerprinted and claimed at admission, before the body is validated. */
export interface AdmittedKey extends FingerprintedKey {
  claim: KeyClaim;
}

/** A request made idempotent by its key: who asks, with which key, what makes a repeat "the same request", and its claim. */
export interface IdempotentRequest<TAnswer> extends FingerprintedKey {
  claim: KeyClaim;
  /** Prefer: wait: the caller holds its answer for up to `seconds` after the command. */
  hold?: HeldAnswer<TAnswer>;
}

export interface HeldAnswer<TAnswer> {
  seconds: number;
  /** The answer the caller finally gives, from the command's first one (e.g. the order once terminal). */
  answer(first: TAnswer): Promise<TAnswer>;
}

interface RawRequest {
  method: string;
  path: string;
  body: unknown;
}

/**
 * The user's key and the request's fingerprint, computed from the raw body (no validation
 * needed); undefined for a missing or invalid key, or a body of a shape validation refuses
 * before looking further (nested too deep: hashing it would overflow the stack).
 */
export function fingerprintedKey(userId: string, keyHeader: string | undefined, { method, path, body }: RawRequest): FingerprintedKey | undefined {
  if (typeof keyHeader !== 'string' || !IDEMPOTENCY_KEY.test(keyHeader)) return undefined;
  if (bodyShapeProblems(body).length > 0) return undefined;
  return { userId, key: keyHeader, fingerprint: requestFingerprint(method, path, body) };
}

/**
 * The idempotency side of an HTTP request: the user's Idempotency-Key header, checked (400 if
 * missing or invalid), with the fingerprint and claim taken at admission (else computed now,
 * unclaimed).
 */
export function idempotentRequest<TAnswer>(
  userId: string,
  keyHeader: string | undefined,
  request: RawRequest,
  hold?: HeldAnswer<TAnswer>,
  admitted?: AdmittedKey,
): IdempotentRequest<TAnswer> {
  if (admitted?.userId === userId && admitted.key === keyHeader) return { ...admitted, hold };
  const key = fingerprintedKey(userId, keyHeader, request);
  if (!key) throw new ValidationFailed([{ field: 'Idempotency-Key', message: 'header is required: 1-255 printable ASCII characters' }]);
  return { ...key, claim: { kind: 'unclaimed' }, hold };
}
