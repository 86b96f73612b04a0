import { isTransientError } from './transient-errors';

describe('transient errors (a dependency away: wait, never dead-letter)', () => {
  it.each([
    ['a refused connection', Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' })],
    ['Postgres shutting down (57P01)', Object.assign(new Error('terminating connection'), { code: '57P01' })],
    ['a serialization failure (40001)', Object.assign(new Error('could not serialize'), { code: '40001' })],
    ['a pool that cannot connect in time', new Error('timeout exceeded when trying to connect')],
    ['a TypeORM error wrapping a driver error', Object.assign(new Error('Query failed'), { driverError: { code: '08006' } })],
    ['a closed Redis connection', new Error('Connection is closed.')],
  ])('treats %s as transient', (_case, error) => {
    expect(isTransientError(error)).toBe(true);
  });

  it.each([
    ['a missing table (42P01)', Object.assign(new Error('relation "x" does not exist'), { code: '42P01' })],
    ['a constraint violation (23505)', Object.assign(new Error('duplicate key'), { code: '23505' })],
    ['a plain bug', new TypeError('cannot read properties of undefined')],
    ['nothing at all', undefined],
  ])('treats %s as permanent', (_case, error) => {
    expect(isTransientError(error)).toBe(false);
  });
});
