import { ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { freePort } from './isolated-resources';
import { untilRedisAnswers } from './private-redis';
import { CertificateFiles } from './test-certificates';

/**
 * A throw-away redis-server that speaks TLS only (no plaintext port) and knows one ACL
 * user; the default user is off, so nothing works without that user's password.
 */
export class PrivateTlsRedis {
  readonly user = 'orders-app';
  readonly password = `pw-${Math.random().toString(36).slice(2)}`;
  private process: ChildProcess | null = null;

  private constructor(
    readonly port: number,
    private readonly dir: string,
    private readonly certificates: CertificateFiles,
  ) {}

  static async start(certificates: CertificateFiles): Promise<PrivateTlsRedis> {
    const redis = new PrivateTlsRedis(await freePort(), await mkdtemp(join(tmpdir(), 'orders-redis-')), certificates);
    await redis.launch();
    return redis;
  }

  /** As a service would be configured (`password` overrides the right one). */
  url(password = this.password, host = 'localhost'): string {
    return `rediss://${this.user}:${encodeURIComponent(password)}@${host}:${this.port}`;
  }

  private async launch(): Promise<void> {
    const config = join(this.dir, 'redis.conf');
    await writeFile(
      config,
      [
        'port 0',
        `tls-port ${this.port}`,
        'bind 127.0.0.1 -::1',
        `tls-cert-file ${this.certificates.serverCert}`,
        `tls-key-file ${this.certificates.serverKey}`,
        `tls-ca-cert-file ${this.certificates.caCert}`,
        'tls-auth-clients optional',
        'save ""',
        'appendonly no',
        'user default off',
        `user ${this.user} on >${this.password} ~* &* +@all`,
        '',
      ].join('\n'),
    );
    const child = spawn('redis-server', [config], { stdio: 'ignore' });
    this.process = child;
    const client = new Redis(this.url(), {
      tls: { ca: await readFile(this.certificates.caCert) },
      lazyConnect: true,
      maxRetriesPerRequest: 0,
      retryStrategy: () => null,
    });
    await untilRedisAnswers(client, child);
  }

  /** Kills this instance only (by its own pid) and deletes its files. */
  async destroy(): Promise<void> {
    const child = this.process;
    this.process = null;
    if (child && child.exitCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGKILL');
      await exited;
    }
    await rm(this.dir, { recursive: true, force: true });
  }
}
