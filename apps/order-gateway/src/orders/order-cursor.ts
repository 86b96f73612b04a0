import { ValidationFailed } from '@orders/platform-http';

export interface OrderCursor {
  createdAt: string;
  id: string;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
// Exactly what Date#toISOString writes for years 0000-9999; anything else (extended
// years, offsets) never came from us and Postgres may refuse it.
const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
const MAX_CURSOR_LENGTH = 200;
// No order is older than the epoch nor from beyond year 9999; Postgres refuses year 0000.
const EARLIEST = Date.parse('1970-01-01T00:00:00.000Z');
const LATEST = Date.parse('9999-12-31T23:59:59.999Z');

/** Opaque to clients; a position in (created_at DESC, id DESC), stable under concurrent inserts. */
export function encodeCursor(cursor: OrderCursor): string {
  return Buffer.from(JSON.stringify([cursor.createdAt, cursor.id])).toString('base64url');
}

/**
 * Accepts only cursors this module could have written; everything else is a 400, never a 500.
 * Each decoded field is checked as strictly as a body field: its type, its format, its range.
 */
export function decodeCursor(value: string): OrderCursor {
  if (value.length <= MAX_CURSOR_LENGTH && /^[A-Za-z0-9_-]+$/.test(value)) {
    try {
      const decoded: unknown = JSON.parse(Buffer.from(value, 'base64url').toString('utf8'));
      if (Array.isArray(decoded) && decoded.length === 2) {
        const [createdAt, id] = decoded as [unknown, unknown];
        if (typeof createdAt === 'string' && ISO_INSTANT.test(createdAt) && isRealInstant(createdAt) && typeof id === 'string' && UUID.test(id)) {
          return { createdAt, id };
        }
      }
    } catch {
      // not base64url JSON: fall through to the 400
    }
  }
  throw new ValidationFailed([{ field: 'cursor', message: 'cursor is not valid; use nextCursor from a previous page' }]);
}

function isRealInstant(value: string): boolean {
  const time = Date.parse(value);
  return !Number.isNaN(time) && time >= EARLIEST && time <= LATEST && new Date(time).toISOString() === value;
}
