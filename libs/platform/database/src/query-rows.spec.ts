import { DataSource, QueryFailedError } from 'typeorm';
import { dataSourceOptions } from './data-source-options';
import { queryRows } from './query-rows';

/** Against a real PostgreSQL: queryRows prepares named statements on the runner's own connection. */
describe('queryRows', () => {
  const schema = `query_rows_${process.pid}_${Date.now().toString(36)}`;
  let dataSource: DataSource;

  beforeAll(async () => {
    dataSource = new DataSource(
      dataSourceOptions({ url: 'postgres://postgres@127.0.0.1:5432/postgres', schema, poolSize: 2, applicationName: 'query-rows-spec', migrations: [] }),
    );
    await dataSource.initialize();
    await dataSource.query(`CREATE SCHEMA ${schema}`);
    await dataSource.query(`CREATE TABLE ${schema}.items (id int PRIMARY KEY, name text NOT NULL)`);
  });

  afterAll(async () => {
    await dataSource.query(`DROP SCHEMA ${schema} CASCADE`);
    await dataSource.destroy();
  });

  beforeEach(() => dataSource.query(`TRUNCATE ${schema}.items`));

  it('prepares each text once per connection and runs it by name from then on', async () => {
    const runner = dataSource.createQueryRunner();
    try {
      const text = `SELECT name FROM ${schema}.items WHERE id = $1`;
      await queryRows(runner, text, [1]);
      await queryRows(runner, text, [2]);
      const prepared = await queryRows<{ name: string; statement: string }>(runner, 'SELECT name, statement FROM pg_prepared_statements');
      expect(prepared.filter((row) => row.statement === text)).toHaveLength(1);
      expect(prepared.find((row) => row.statement === text)?.name).toMatch(/^s_[0-9a-f]{24}$/);
    } finally {
      await runner.release();
    }
  });

  it('returns the rows of every command, RETURNING included', async () => {
    expect(await queryRows(dataSource, `INSERT INTO ${schema}.items VALUES ($1, $2), ($3, $4) RETURNING id`, [1, 'a', 2, 'b'])).toEqual([{ id: 1 }, { id: 2 }]);
    expect(await queryRows(dataSource, `UPDATE ${schema}.items SET name = $1 WHERE id = $2 RETURNING name`, ['c', 1])).toEqual([{ name: 'c' }]);
    expect(await queryRows(dataSource, `DELETE FROM ${schema}.items WHERE id = $1`, [2])).toEqual([]);
    expect(await queryRows(dataSource.manager, `SELECT id, name FROM ${schema}.items`)).toEqual([{ id: 1, name: 'c' }]);
  });

  it('runs inside the transaction of a transactional manager: a rollback undoes it', async () => {
    await expect(
      dataSource.transaction(async (manager) => {
        await queryRows(manager, `INSERT INTO ${schema}.items VALUES ($1, $2)`, [7, 'x']);
        expect(await queryRows(manager, `SELECT id FROM ${schema}.items`)).toEqual([{ id: 7 }]);
        throw new Error('roll back');
      }),
    ).rejects.toThrow('roll back');
    expect(await queryRows(dataSource, `SELECT id FROM ${schema}.items`)).toEqual([]);
  });

  it("keeps TypeORM's error shape: QueryFailedError with the driver's SQLSTATE", async () => {
    await queryRows(dataSource, `INSERT INTO ${schema}.items VALUES ($1, $2)`, [1, 'a']);
    const error: unknown = await queryRows(dataSource, `INSERT INTO ${schema}.items VALUES ($1, $2)`, [1, 'a']).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(QueryFailedError);
    expect(error).toMatchObject({ code: '23505', driverError: { code: '23505' } });
  });

  it('prepares a text again when a migration changed the table under it, and says the failed call may be retried', async () => {
    const runner = dataSource.createQueryRunner();
    try {
      const text = `SELECT * FROM ${schema}.items WHERE id = $1`;
      await queryRows(runner, `INSERT INTO ${schema}.items VALUES ($1, $2)`, [1, 'a']);
      expect(await queryRows(runner, text, [1])).toEqual([{ id: 1, name: 'a' }]);
      await dataSource.query(`ALTER TABLE ${schema}.items ADD COLUMN note text DEFAULT 'n'`);
      await expect(queryRows(runner, text, [1])).rejects.toMatchObject({ retriable: true });
      expect(await queryRows(runner, text, [1])).toEqual([{ id: 1, name: 'a', note: 'n' }]);
    } finally {
      await runner.release();
      await dataSource.query(`ALTER TABLE ${schema}.items DROP COLUMN note`);
    }
  });

  it("asks a runner that is not TypeORM's PostgreSQL one through its own query(), rows unwrapped", async () => {
    const double = { query: jest.fn().mockResolvedValue([[{ id: 1 }], 1]) };
    expect(await queryRows(double as unknown as DataSource, 'UPDATE t SET x = 1 RETURNING id', [])).toEqual([{ id: 1 }]);
    expect(double.query).toHaveBeenCalledWith('UPDATE t SET x = 1 RETURNING id', []);
  });

  it('prepares nothing on a data source whose preparedStatements is 0 (a pooler that cannot track them)', async () => {
    const unprepared = new DataSource(
      dataSourceOptions({
        url: 'postgres://postgres@127.0.0.1:5432/postgres',
        schema,
        poolSize: 1,
        preparedStatements: 0,
        applicationName: 'query-rows-spec',
        migrations: [],
      }),
    );
    await unprepared.initialize();
    const runner = unprepared.createQueryRunner();
    try {
      await queryRows(runner, `SELECT count(*) FROM ${schema}.items`);
      await queryRows(runner, `SELECT count(*) FROM ${schema}.items`);
      expect(await queryRows(runner, 'SELECT name FROM pg_prepared_statements')).toEqual([]);
    } finally {
      await runner.release();
      await unprepared.destroy();
    }
  });
});
