import { Client } from 'pg';
import { sqlStateOf } from './sql-state';

/** The login role a service runs as, read from its DATABASE_URL. */
interface RuntimeRole {
  name: string;
  /** Empty when the server authenticates it otherwise (certificate, trust). */
  password: string;
}

export function roleOf(url: string): RuntimeRole {
  const parsed = new URL(url);
  return { name: decodeURIComponent(parsed.username), password: decodeURIComponent(parsed.password) };
}

class RoleCheckFailed extends Error {
  constructor(role: string, problem: string) {
    super(`database role "${role}": ${problem}`);
    this.name = 'RoleCheckFailed';
  }
}

const SYSTEM_SCHEMAS = ['pg_catalog', 'information_schema', 'public', 'pg_toast'];

/**
 * Least privilege for one service, run by the migration role (which owns the schema and
 * alone does DDL): the service's runtime role exists and may log in (created when the
 * migration role may create roles), may read and write the rows of its own schema (tables,
 * sequences, and tables later migrations add), may not create, alter or drop anything, and
 * may use no other service's schema. Idempotent: every deploy runs it again.
 */
export async function ensureRuntimeRole(client: Client, schema: string, role: RuntimeRole): Promise<'created' | 'checked'> {
  const ident = (name: string) => client.escapeIdentifier(name);
  const { rows } = await client.query<{ rolcanlogin: boolean; rolsuper: boolean; rolcreaterole: boolean; rolcreatedb: boolean; rolbypassrls: boolean }>(
    'SELECT rolcanlogin, rolsuper, rolcreaterole, rolcreatedb, rolbypassrls FROM pg_roles WHERE rolname = $1',
    [role.name],
  );
  let outcome: 'created' | 'checked' = 'checked';
  if (rows.length === 0) {
    const { rows: me } = await client.query<{ may: boolean }>('SELECT rolsuper OR rolcreaterole AS may FROM pg_roles WHERE rolname = current_user');
    if (!me[0]?.may) throw new RoleCheckFailed(role.name, 'does not exist, and the migration role may not create roles: create it with LOGIN first');
    const password = role.password ? ` PASSWORD ${client.escapeLiteral(role.password)}` : '';
    await client.query(`CREATE ROLE ${ident(role.name)} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOBYPASSRLS${password}`).catch((error: unknown) => {
      if (sqlStateOf(error) !== '42710') throw error; // created meanwhile by another migration job
    });
    outcome = 'created';
  } else {
    const found = rows[0];
    if (!found.rolcanlogin) throw new RoleCheckFailed(role.name, 'cannot log in (needs LOGIN)');
    const powers = Object.entries({ SUPERUSER: found.rolsuper, CREATEROLE: found.rolcreaterole, CREATEDB: found.rolcreatedb, BYPASSRLS: found.rolbypassrls })
      .filter(([, has]) => has)
      .map(([power]) => power);
    if (powers.length > 0) throw new RoleCheckFailed(role.name, `must not have ${powers.join(', ')}: a service runs with rights on its own schema only`);
  }

  const s = ident(schema);
  const r = ident(role.name);
  await client.query('BEGIN');
  try {
    await client.query(`GRANT USAGE ON SCHEMA ${s} TO ${r}`);
    await client.query(`REVOKE CREATE ON SCHEMA ${s} FROM ${r}`);
    await client.query(`GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA ${s} TO ${r}`);
    await client.query(`GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA ${s} TO ${r}`);
    // Tables the migration role creates later are granted without waiting for this step.
    await client.query(`ALTER DEFAULT PRIVILEGES IN SCHEMA ${s} GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO ${r}`);
    await client.query(`ALTER DEFAULT PRIVILEGES IN SCHEMA ${s} GRANT USAGE, SELECT, UPDATE ON SEQUENCES TO ${r}`);
    // The migration history belongs to the migration role.
    await client.query(`REVOKE ALL ON TABLE ${s}.migrations FROM ${r}`);
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  }

  const { rows: foreign } = await client.query<{ nspname: string }>(
    `SELECT nspname FROM pg_namespace
      WHERE nspname <> $2 AND nspname <> ALL($3::text[]) AND nspname NOT LIKE 'pg\\_%'
        AND (has_schema_privilege($1, oid, 'USAGE') OR has_schema_privilege($1, oid, 'CREATE'))
      ORDER BY nspname`,
    [role.name, schema, SYSTEM_SCHEMAS],
  );
  if (foreign.length > 0)
    throw new RoleCheckFailed(
      role.name,
      `may use schema ${foreign.map((row) => row.nspname).join(', ')}: a service's role must see its own schema (${schema}) only`,
    );
  return outcome;
}
