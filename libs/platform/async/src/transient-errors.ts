/**
 * Errors that say "a dependency is away", not "this message is bad": the work is
 * retried until the dependency returns, and never dead-lettered.
 */
const TRANSIENT_NODE_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EAI_AGAIN', 'ENOTFOUND', 'EHOSTUNREACH']);
// Postgres SQLSTATE: 08 connection exceptions, 40001 serialization, 40P01 deadlock,
// 53 insufficient resources, 57P0x shutdown/crash, 55P03 lock not available.
const TRANSIENT_SQLSTATE = /^(08|53|57P0|40001|40P01|55P03)/;
const TRANSIENT_MESSAGES =
  /(Connection terminated|connection timeout|timeout exceeded when trying to connect|Connection is closed|Stream isn't writeable|getaddrinfo|socket hang up|The client is closed|Driver not Connected|circuit open)/i;

export function isTransientError(error: unknown): boolean {
  if (!error || typeof error !== 'object') return false;
  const candidate = error as { code?: unknown; message?: unknown; driverError?: unknown; retriable?: unknown; name?: unknown };
  if (candidate.retriable === true) return true;
  if (typeof candidate.code === 'string') {
    if (TRANSIENT_NODE_CODES.has(candidate.code)) return true;
    if (TRANSIENT_SQLSTATE.test(candidate.code)) return true;
  }
  if (typeof candidate.message === 'string' && TRANSIENT_MESSAGES.test(candidate.message)) return true;
  if (candidate.driverError) return isTransientError(candidate.driverError);
  return false;
}
