import { execFile } from 'node:child_process';
import { chownSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Client } from 'pg';
import { freePort } from './isolated-resources';

const run = promisify(execFile);

/** The newest installed PostgreSQL's binaries (Debian layout). */
function binary(name: string): string {
  const versions = readdirSync('/usr/lib/postgresql').sort((a, b) => Number(b) - Number(a));
  return join('/usr/lib/postgresql', versions[0], 'bin', name);
}

/** PostgreSQL refuses to run as root: the server tools run as the `postgres` user when we are root. */
async function asPostgres(command: string, args: string[]): Promise<void> {
  const asRoot = process.getuid?.() === 0;
  await run(asRoot ? 'runuser' : binary(command), asRoot ? ['-u', 'postgres', '--', binary(command), ...args] : args, { timeout: 60_000 });
}

/**
 * A private PostgreSQL primary and a streaming standby made from it with pg_basebackup, on
 * ports of their own (synchronous replication: a commit is acknowledged once the standby has
 * it, so promoting the standby loses no acknowledged commit). A test kills the primary and
 * promotes the standby without touching the shared PostgreSQL.
 */
export class PrivatePostgresPair {
  private constructor(
    readonly primaryPort: number,
    readonly standbyPort: number,
    private readonly dir: string,
  ) {}

  static async start(): Promise<PrivatePostgresPair> {
    const dir = mkdtempSync('/tmp/pg-pair-');
    if (process.getuid?.() === 0) {
      const { uid, gid } = await postgresIds();
      chownSync(dir, uid, gid);
    }
    const pair = new PrivatePostgresPair(await freePort(), await freePort(), dir);
    await asPostgres('initdb', ['-D', pair.data('primary'), '--auth=trust', '-U', 'postgres', '--no-sync']);
    await pair.startServer('primary', pair.primaryPort, ['-c wal_level=replica', '-c max_wal_senders=4']);
    await asPostgres('pg_basebackup', ['-h', '127.0.0.1', '-p', String(pair.primaryPort), '-U', 'postgres', '-D', pair.data('standby'), '-R', '-X', 'stream']);
    await pair.startServer('standby', pair.standbyPort, []);
    // From now on a commit waits for the standby (set after the base backup, so the standby,
    // once promoted, does not wait for a standby of its own).
    await pair.query(pair.primaryPort, `ALTER SYSTEM SET synchronous_standby_names = '*'`);
    await pair.query(pair.primaryPort, 'SELECT pg_reload_conf()');
    return pair;
  }

  /** SIGKILL of the primary's postmaster: a crash; its backends exit when they notice. */
  killPrimary(): void {
    const pid = Number(readFileSync(join(this.data('primary'), 'postmaster.pid'), 'utf8').split('\n')[0]);
    process.kill(pid, 'SIGKILL');
  }

  async promoteStandby(): Promise<void> {
    await asPostgres('pg_ctl', ['promote', '-w', '-D', this.data('standby')]);
  }

  async stop(): Promise<void> {
    for (const server of ['standby', 'primary']) {
      await asPostgres('pg_ctl', ['stop', '-m', 'immediate', '-D', this.data(server)]).catch(() => undefined);
    }
    // Backends of a SIGKILLed postmaster may outlive it briefly; their files go anyway.
    rmSync(this.dir, { recursive: true, force: true });
  }

  async query(port: number, sql: string): Promise<void> {
    const client = new Client({ host: '127.0.0.1', port, user: 'postgres', database: 'postgres' });
    await client.connect();
    try {
      await client.query(sql);
    } finally {
      await client.end();
    }
  }

  private data(server: string): string {
    return join(this.dir, server);
  }

  private async startServer(server: string, port: number, settings: string[]): Promise<void> {
    const options = [`-p ${port}`, "-c listen_addresses='127.0.0.1'", `-c unix_socket_directories='${this.dir}'`, '-c fsync=off', ...settings].join(' ');
    await asPostgres('pg_ctl', ['start', '-w', '-D', this.data(server), '-l', join(this.dir, `${server}.log`), '-o', options]);
  }
}

async function postgresIds(): Promise<{ uid: number; gid: number }> {
  const { stdout } = await run('id', ['postgres']);
  const uid = Number(/uid=(\d+)/.exec(stdout)![1]);
  const gid = Number(/gid=(\d+)/.exec(stdout)![1]);
  return { uid, gid };
}
