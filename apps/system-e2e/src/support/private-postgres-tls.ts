import { ChildProcess, execFile, spawn } from 'node:child_process';
import { chmod, copyFile, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Client } from 'pg';
import { freePort } from './isolated-resources';
import { CertificateFiles } from './test-certificates';

const run = promisify(execFile);

async function postgresBin(name: string): Promise<string> {
  const versions = (await readdir('/usr/lib/postgresql')).sort((a, b) => Number(b) - Number(a));
  if (versions.length === 0) throw new Error('no PostgreSQL under /usr/lib/postgresql');
  return join('/usr/lib/postgresql', versions[0], 'bin', name);
}

/** PostgreSQL refuses to run as root: as root, exec it as the `postgres` user (same pid, so it can be signalled). */
const asPostgres = (command: string, args: string[]): [string, string[]] =>
  process.getuid?.() === 0 ? ['setpriv', ['--reuid=postgres', '--regid=postgres', '--clear-groups', '--', command, ...args]] : [command, args];

/**
 * A PostgreSQL cluster of the test's own (initdb on a free port, no persistence worth the
 * name) that accepts TLS connections only, with the test's certificates.
 */
export class PrivatePostgres {
  private process: ChildProcess | null = null;

  private constructor(
    readonly port: number,
    private readonly dir: string,
  ) {}

  static async startWithTls(certificates: CertificateFiles): Promise<PrivatePostgres> {
    const dir = await mkdtemp(join(tmpdir(), 'orders-pg-'));
    const data = join(dir, 'data');
    const postgres = new PrivatePostgres(await freePort(), dir);
    if (process.getuid?.() === 0) await run('chown', ['-R', 'postgres:postgres', dir]);
    await run(...asPostgres(await postgresBin('initdb'), ['-D', data, '-U', 'postgres', '--auth=trust', '--no-sync', '-E', 'UTF8']));
    for (const [from, to] of [
      [certificates.serverCert, 'server.crt'],
      [certificates.serverKey, 'server.key'],
      [certificates.caCert, 'ca.crt'],
    ]) {
      await copyFile(from, join(data, to));
      await chmod(join(data, to), 0o600);
      if (process.getuid?.() === 0) await run('chown', ['postgres:postgres', join(data, to)]);
    }
    // TLS or nothing over TCP: a plaintext connection is refused by pg_hba.
    await writeFile(join(data, 'pg_hba.conf'), 'local all all trust\nhostssl all all 127.0.0.1/32 trust\nhostssl all all ::1/128 trust\n');
    await postgres.start(data);
    return postgres;
  }

  /** A connection URL; `host` is `localhost` (the certificate's name) unless told otherwise. */
  url(database: string, query = '', host = 'localhost'): string {
    return `postgres://postgres@${host}:${this.port}/${database}${query ? `?${query}` : ''}`;
  }

  private async start(data: string): Promise<void> {
    const [command, args] = asPostgres(await postgresBin('postgres'), [
      '-D',
      data,
      '-p',
      String(this.port),
      '-k',
      this.dir,
      '-c',
      'listen_addresses=localhost',
      '-c',
      'ssl=on',
      '-c',
      'fsync=off',
      '-c',
      'max_connections=40',
    ]);
    this.process = spawn(command, args, { stdio: 'ignore' });
    const probe = () => new Client({ host: this.dir, port: this.port, user: 'postgres', database: 'postgres' });
    for (let attempt = 0; ; attempt++) {
      const client = probe();
      try {
        await client.connect();
        await client.end();
        return;
      } catch (error) {
        await client.end().catch(() => undefined);
        if (attempt > 200 || this.process.exitCode !== null) throw error;
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    }
  }

  /** Stops this cluster only (by its own pid) and deletes its files. */
  async destroy(): Promise<void> {
    const child = this.process;
    this.process = null;
    if (child && child.exitCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGINT'); // fast shutdown
      await exited;
    }
    await rm(this.dir, { recursive: true, force: true });
  }
}
