import { ValidationFailed } from '@orders/platform-http';
import { requestFingerprint } from './fingerprint';
import { UserKey } from './idempotency-keys';

/** What an Idempotency-Key may be: 1-255 printable ASCII characters (0x20-0x7E). */
export const IDEMPOTENCY_KEY = /^[\x20-\x7E]{1,255}$/;

/** A request made idempotent by its key: who asks, with which key, and what makes a repeat "the same request". */
export interface IdempotentRequest<TAnswer> extends UserKey {
  fingerprint: string;
  /** Prefer: wait: the caller holds its answer for up to `seconds` after the command. */
  hold?: HeldAnswer<TAnswer>;
}

export interface HeldAnswer<TAnswer> {
  seconds: number;
  /** The answer the caller finally gives, from the command's first one (e.g. the order once terminal). */
  answer(first: TAnswer): Promise<TAnswer>;
}

/**
 * The idempotency side of an HTTP request: the user's Idempotency-Key header, checked, and
 * the fingerprint of method, path and body that tells a repeat from a reuse of the key.
 */
export function idempotentRequest<TAnswer>(
  userId: string,
  keyHeader: string | undefined,
  { method, path, body }: { method: string; path: string; body: unknown },
  hold?: HeldAnswer<TAnswer>,
): IdempotentRequest<TAnswer> {
  if (typeof keyHeader !== 'string' || !IDEMPOTENCY_KEY.test(keyHeader)) {
    throw new ValidationFailed([{ field: 'Idempotency-Key', message: 'header is required: 1-255 printable ASCII characters' }]);
  }
  return { userId, key: keyHeader, fingerprint: requestFingerprint(method, path, body), hold };
}
