import { createHash } from 'node:crypto';

/**
 * A stable 63-bit key for `pg_(try_)advisory_(xact_)lock(bigint)`, named by its parts
 * (e.g. `advisoryLockKey('outbox', prefix + service)`): the first 8 bytes of the SHA-256
 * of the parts joined by ':'. Returned as a string: a JavaScript number cannot hold it.
 */
export function advisoryLockKey(...parts: string[]): string {
  return createHash('sha256').update(parts.join(':')).digest().readBigInt64BE(0).toString();
}
