import { ValidationFailed } from '@orders/platform-http';
import { decodeCursor, encodeCursor } from './order-cursor';

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
const ID = '0b9d4c4e-7c1a-4f43-9a55-2f7c8d1e6a10';

describe('order cursor', () => {
  it('round-trips a position', () => {
    const cursor = { createdAt: '2026-01-02T03:04:05.678Z', id: ID };
    expect(decodeCursor(encodeCursor(cursor))).toEqual(cursor);
  });

  it.each([
    ['the earliest instant', '1970-01-01T00:00:00.000Z'],
    ['the latest instant', '9999-12-31T23:59:59.999Z'],
  ])('accepts %s', (_case, createdAt) => {
    expect(decodeCursor(b64([createdAt, ID]))).toEqual({ createdAt, id: ID });
  });

  it.each([
    ['garbage', 'abc'],
    ['not base64url', '!!!!'],
    ['an object', b64({ createdAt: '2026-01-02T03:04:05.678Z', id: ID })],
    ['a year Postgres refuses', b64(['+275760-09-13T00:00:00.000Z', ID])],
    ['year 0000 (out of range for Postgres)', b64(['0000-01-01T00:00:00.000Z', ID])],
    ['a time before any order (1969)', b64(['1969-12-31T23:59:59.999Z', ID])],
    ['a number instead of a time', b64([1767322045678, ID])],
    ['null fields', b64([null, null])],
    ['an impossible date', b64(['2026-02-30T00:00:00.000Z', ID])],
    ['a date with an offset', b64(['2026-01-02T03:04:05.678+01:00', ID])],
    ['dashes instead of a uuid', b64(['2026-01-02T03:04:05.678Z', '-'.repeat(36)])],
    ['SQL in the id', b64(['2026-01-02T03:04:05.678Z', "1' OR '1'='1"])],
    ['extra elements', b64(['2026-01-02T03:04:05.678Z', ID, 1])],
    ['a huge value', 'A'.repeat(10_000)],
  ])('refuses %s with a validation error', (_case, value) => {
    expect(() => decodeCursor(value)).toThrow(ValidationFailed);
  });
});
