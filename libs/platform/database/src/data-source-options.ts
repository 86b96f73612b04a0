import { DataSourceOptions, MixedList } from 'typeorm';
import { ListeningPgClient } from './listening-pg-client';
import { MAX_PREPARED_TEXTS } from './prepared-statement-names';

interface ServiceDatabase {
  url: string;
  /** The Postgres schema the service owns; it sees no other. */
  schema: string;
  poolSize: number;
  /**
   * How many distinct SQL texts queryRows prepares per connection (0: none, every statement
   * parsed on each call). Behind a pooler in transaction mode this needs one that tracks
   * protocol-level prepared statements (PgBouncer ≥ 1.21 with max_prepared_statements above it).
   */
  preparedStatements?: number;
  applicationName: string;
  // eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
  entities?: MixedList<Function | string>;
  // eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
  migrations: MixedList<Function | string>;
}

/**
 * One service, one schema: `search_path` is pinned to it so plain SQL cannot
 * reach another service's tables by accident. Never `synchronize`.
 */
export function dataSourceOptions(db: ServiceDatabase): DataSourceOptions {
  return {
    type: 'postgres',
    url: db.url,
    schema: db.schema,
    entities: db.entities ?? [],
    migrations: db.migrations,
    migrationsTableName: 'migrations',
    migrationsTransactionMode: 'each',
    synchronize: false,
    migrationsRun: false,
    logging: ['error'],
    applicationName: db.applicationName,
    poolSize: db.poolSize,
    extra: {
      // pg's Pool builds its clients from this class: no connection error goes unheard.
      Client: ListeningPgClient,
      // Read by queryRows (pg's pool passes it on to its clients, which ignore it).
      preparedStatements: db.preparedStatements ?? MAX_PREPARED_TEXTS,
      options: `-c search_path=${db.schema}`,
      // Fail fast instead of queueing forever when Postgres is away.
      connectionTimeoutMillis: 5_000,
      statement_timeout: 15_000,
      idle_in_transaction_session_timeout: 30_000,
    },
  };
}

/** The preparedStatements setting of a data source's options (the default when it was built elsewhere). */
export function preparedStatementsOf(options: DataSourceOptions): number {
  const extra = (options as { extra?: { preparedStatements?: unknown } }).extra;
  return typeof extra?.preparedStatements === 'number' ? extra.preparedStatements : MAX_PREPARED_TEXTS;
}
