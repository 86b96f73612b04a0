import { Client } from 'pg';
import { DataSource, MixedList } from 'typeorm';
import { dataSourceOptions } from './data-source-options';
import { ensureDatabase, ensureSchema } from './ensure-database';
import { ensureRuntimeRole, roleOf } from './service-role';

export interface MigrationResult {
  applied: string[];
  /** The service's own runtime role, when it runs as another role than the migrations. */
  runtimeRole?: { name: string; outcome: 'created' | 'checked' };
}

/**
 * Creates the database and the service's schema if needed, then applies pending migrations,
 * as the migration role (`url`). When the service runs as another role (`runtimeUrl`), that
 * role is then created or checked and given DML rights on this schema only.
 */
export async function runMigrations(options: {
  url: string;
  runtimeUrl?: string;
  schema: string;
  service: string;
  // eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
  migrations: MixedList<Function | string>;
}): Promise<MigrationResult> {
  await ensureDatabase(options.url);
  await ensureSchema(options.url, options.schema);
  const dataSource = new DataSource(
    dataSourceOptions({ url: options.url, schema: options.schema, poolSize: 2, applicationName: `${options.service}-migrate`, migrations: options.migrations }),
  );
  await dataSource.initialize();
  let applied: string[];
  try {
    applied = (await dataSource.runMigrations({ transaction: 'each' })).map((migration) => migration.name);
  } finally {
    await dataSource.destroy();
  }
  const runtime = options.runtimeUrl ? roleOf(options.runtimeUrl) : undefined;
  if (!runtime || runtime.name === roleOf(options.url).name) return { applied };

  const client = new Client({ connectionString: options.url, application_name: `${options.service}-migrate` });
  await client.connect();
  try {
    return { applied, runtimeRole: { name: runtime.name, outcome: await ensureRuntimeRole(client, options.schema, runtime) } };
  } finally {
    await client.end();
  }
}

/** The body of a service's `migrate.js`: apply, report, exit non-zero on failure. */
export function runMigrationCli(service: string, migrate: () => Promise<MigrationResult>): void {
  migrate()
    .then((result) => {
      console.log(describeMigration(service, result));
    })
    .catch((error: unknown) => {
      console.error(error);
      process.exit(1);
    });
}

export function describeMigration(service: string, { applied, runtimeRole }: MigrationResult): string {
  const migrations = `${service}: ${applied.length} migration(s) applied${applied.length ? `: ${applied.join(', ')}` : ''}`;
  return runtimeRole ? `${migrations}; runtime role "${runtimeRole.name}" ${runtimeRole.outcome}` : migrations;
}
