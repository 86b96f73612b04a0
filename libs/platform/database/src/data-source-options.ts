import { DataSourceOptions, MixedList } from 'typeorm';
import { ListeningPgClient } from './listening-pg-client';

interface ServiceDatabase {
  url: string;
  /** The Postgres schema the service owns; it sees no other. */
  schema: string;
  poolSize: number;
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
      options: `-c search_path=${db.schema}`,
      // Fail fast instead of queueing forever when Postgres is away.
      connectionTimeoutMillis: 5_000,
      statement_timeout: 15_000,
      idle_in_transaction_session_timeout: 30_000,
    },
  };
}
