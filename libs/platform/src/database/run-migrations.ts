import { DataSource, MixedList } from 'typeorm';
import { dataSourceOptions } from './data-source-options';
import { ensureDatabase, ensureSchema } from './ensure-database';

/** Creates the database and the service's schema if needed, then applies pending migrations. */
export async function runMigrations(options: {
  url: string;
  schema: string;
  service: string;
  // eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
  migrations: MixedList<Function | string>;
}): Promise<string[]> {
  await ensureDatabase(options.url);
  await ensureSchema(options.url, options.schema);
  const dataSource = new DataSource(
    dataSourceOptions({ url: options.url, schema: options.schema, poolSize: 2, applicationName: `${options.service}-migrate`, migrations: options.migrations }),
  );
  await dataSource.initialize();
  try {
    const applied = await dataSource.runMigrations({ transaction: 'each' });
    return applied.map((migration) => migration.name);
  } finally {
    await dataSource.destroy();
  }
}

/** The body of a service's `migrate.js`: apply, report, exit non-zero on failure. */
export function runMigrationCli(service: string, migrate: () => Promise<string[]>): void {
  migrate()
    .then((applied) => console.log(`${service}: ${applied.length} migration(s) applied${applied.length ? `: ${applied.join(', ')}` : ''}`))
    .catch((error) => {
      console.error(error);
      process.exit(1);
    });
}
