import type { Pool, PoolClient, QueryResult } from 'pg';
import { DataSource, EntityManager, QueryFailedError, QueryRunner, QueryRunnerAlreadyReleasedError } from 'typeorm';
import { PostgresDriver } from 'typeorm/driver/postgres/PostgresDriver.js';
import { PostgresQueryRunner } from 'typeorm/driver/postgres/PostgresQueryRunner.js';
import { preparedStatementsOf } from './data-source-options';
import { PreparedStatementNames } from './prepared-statement-names';
import { sqlStateOf } from './sql-state';

/** Per data source: the names of the statements its connections prepare, one per distinct SQL text, up to its bound. */
const statementNamesOf = new WeakMap<DataSource, PreparedStatementNames>();

/** `cached plan must not change result type`: a table under a prepared statement changed shape (a migration ran). */
const FEATURE_NOT_SUPPORTED = '0A000';

/**
 * Runs SQL and returns its rows, as a **named prepared statement**: PostgreSQL parses and plans
 * a text once per connection, not on every call (on the gateway's intake statement, pgbench
 * measured 2.5× the throughput and a third of the server CPU per transaction against the unnamed
 * extended protocol). The query goes straight to the pg client of the runner (the pool, or the
 * transaction's connection): the rows come back as `rows` whatever the command, and errors keep
 * TypeORM's shape (QueryFailedError with `driverError`), as callers expect.
 */
export async function queryRows<T>(runner: EntityManager | DataSource | QueryRunner, sql: string, params: unknown[] = []): Promise<T[]> {
  const client = await pgClientOf(runner);
  if (!client) return rowsOf(await runner.query(sql, params));
  const statementNames = namesOf(dataSourceOf(runner));
  const name = statementNames.nameOf(sql);
  let result: QueryResult;
  try {
    result = await client.query({ name, text: sql, values: params });
  } catch (error) {
    throw failed(statementNames, sql, params, error);
  }
  return result.rows as T[];
}

/** TypeORM answers `[rows, affectedCount]` for UPDATE/DELETE and `rows` for everything else. */
function rowsOf<T>(result: unknown): T[] {
  if (Array.isArray(result) && result.length === 2 && Array.isArray(result[0]) && typeof result[1] === 'number') return result[0] as T[];
  return result as T[];
}

function failed(statementNames: PreparedStatementNames, sql: string, params: unknown[], error: unknown): QueryFailedError {
  const wrapped = new QueryFailedError(sql, params, error as Error);
  if (sqlStateOf(error) === FEATURE_NOT_SUPPORTED && wrapped.message.includes('cached plan')) {
    // The text is prepared again, under a new name, on its next call: retrying is enough, so a
    // consumer waits and retries its unit instead of splitting it (and the relay its batch).
    statementNames.renew(sql);
    Object.assign(wrapped, { retriable: true });
  }
  return wrapped;
}

/**
 * The pg connection a runner queries through: its transaction's, or the pool for a plain
 * DataSource; undefined for a runner that is not TypeORM's PostgreSQL one (a unit test's
 * double), which is asked through its own query().
 */
async function pgClientOf(runner: EntityManager | DataSource | QueryRunner): Promise<Pool | PoolClient | undefined> {
  if (runner instanceof DataSource) return poolOf(runner);
  if (runner instanceof EntityManager) return runner.queryRunner ? pgClientOf(runner.queryRunner) : poolOf(runner.dataSource);
  if (!(runner instanceof PostgresQueryRunner)) return undefined;
  if (runner.isReleased) throw new QueryRunnerAlreadyReleasedError();
  return (await runner.connect()) as PoolClient;
}

function dataSourceOf(runner: EntityManager | DataSource | QueryRunner): DataSource {
  return runner instanceof DataSource ? runner : runner.dataSource;
}

function namesOf(dataSource: DataSource): PreparedStatementNames {
  let names = statementNamesOf.get(dataSource);
  if (!names) {
    names = new PreparedStatementNames(preparedStatementsOf(dataSource.options));
    statementNamesOf.set(dataSource, names);
  }
  return names;
}

function poolOf(dataSource: DataSource): Pool | undefined {
  return dataSource.driver instanceof PostgresDriver ? (dataSource.driver.master as Pool) : undefined;
}
