import { Sql, sql } from './sql';

describe('sql', () => {
  it('numbers each value as a parameter in the order it appears', () => {
    const sut = sql`SELECT * FROM orders WHERE user_id = ${'u1'} AND status = ${'CREATED'} LIMIT ${21}`;
    expect(sut.toQuery()).toEqual({ text: 'SELECT * FROM orders WHERE user_id = $1 AND status = $2 LIMIT $3', params: ['u1', 'CREATED', 21] });
  });

  it('numbers the values of nested fragments where they land in the whole statement', () => {
    const claim = sql`INSERT INTO keys VALUES (${'u1'}, ${'k1'}) RETURNING key`;
    const read = sql`SELECT price FROM catalog WHERE sku = ANY(${['A', 'B']}::text[])`;
    const sut = sql`WITH claimed AS (${claim}) SELECT ${true} AS flag, (${read}) AS read`;
    expect(sut.toQuery()).toEqual({
      text: 'WITH claimed AS (INSERT INTO keys VALUES ($1, $2) RETURNING key) SELECT $3 AS flag, (SELECT price FROM catalog WHERE sku = ANY($4::text[])) AS read',
      params: ['u1', 'k1', true, ['A', 'B']],
    });
  });

  it('joins fragments with a separator', () => {
    const sut = Sql.join([sql`a = ${1}`, sql`b = ${2}`, sql`c IS NULL`], ' AND ');
    expect(sut.toQuery()).toEqual({ text: 'a = $1 AND b = $2 AND c IS NULL', params: [1, 2] });
  });

  it('tells a self-numbered fragment the number of its first parameter', () => {
    const outbox = Sql.selfNumbered((first) => ({ sql: `INSERT INTO outbox VALUES ($${first}, $${first + 1})`, params: ['e1', 'topic'] }));
    const sut = sql`WITH done AS (UPDATE t SET x = ${'x'}), events AS (${outbox}) SELECT ${'last'}`;
    expect(sut.toQuery()).toEqual({
      text: 'WITH done AS (UPDATE t SET x = $1), events AS (INSERT INTO outbox VALUES ($2, $3)) SELECT $4',
      params: ['x', 'e1', 'topic', 'last'],
    });
  });

  it('can render one fragment more than once, numbered afresh each time', () => {
    const condition = sql`id = ${7}`;
    expect(sql`SELECT ${0}, ${condition}`.toQuery().text).toBe('SELECT $1, id = $2');
    expect(sql`SELECT ${condition}`.toQuery().text).toBe('SELECT id = $1');
  });
});
