import { ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { freePort } from './isolated-resources';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * A Redis primary, one replica and three sentinels (quorum 2) of the test's own, as private
 * redis-server processes without persistence, so a test can kill the primary and watch the
 * sentinels promote the replica without touching the shared Redis.
 */
export class PrivateRedisSentinel {
  static readonly PRIMARY_NAME = 'orders';
  private readonly processes = new Map<string, ChildProcess>();

  private constructor(
    readonly primaryPort: number,
    readonly replicaPort: number,
    readonly sentinelPorts: number[],
    private readonly dir: string,
  ) {}

  static async start(): Promise<PrivateRedisSentinel> {
    const cluster = new PrivateRedisSentinel(
      await freePort(),
      await freePort(),
      [await freePort(), await freePort(), await freePort()],
      await mkdtemp(join(tmpdir(), 'redis-sentinel-')),
    );
    const server = ['--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'];
    cluster.spawn('primary', ['--port', String(cluster.primaryPort), ...server]);
    await cluster.waitForPing(cluster.primaryPort);
    cluster.spawn('replica', ['--port', String(cluster.replicaPort), ...server, '--replicaof', '127.0.0.1', String(cluster.primaryPort)]);
    await cluster.waitForPing(cluster.replicaPort);
    for (const [index, port] of cluster.sentinelPorts.entries()) {
      // A sentinel rewrites its own configuration file, so each gets a writable one.
      const file = join(cluster.dir, `sentinel-${index}.conf`);
      await writeFile(
        file,
        [
          `port ${port}`,
          'bind 127.0.0.1',
          `dir ${cluster.dir}`,
          `sentinel monitor ${PrivateRedisSentinel.PRIMARY_NAME} 127.0.0.1 ${cluster.primaryPort} 2`,
          `sentinel down-after-milliseconds ${PrivateRedisSentinel.PRIMARY_NAME} 1000`,
          `sentinel failover-timeout ${PrivateRedisSentinel.PRIMARY_NAME} 5000`,
          '',
        ].join('\n'),
      );
      cluster.spawn(`sentinel-${index}`, [file, '--sentinel']);
      await cluster.waitForPing(port);
    }
    return cluster;
  }

  get sentinels(): string {
    return this.sentinelPorts.map((port) => `127.0.0.1:${port}`).join(',');
  }

  /** The primary's port as the sentinels see it now. */
  async currentPrimaryPort(): Promise<number> {
    const sentinel = new Redis(this.sentinelPorts[0], '127.0.0.1', { maxRetriesPerRequest: 1 });
    try {
      const address = (await sentinel.call('SENTINEL', 'get-master-addr-by-name', PrivateRedisSentinel.PRIMARY_NAME)) as [string, string];
      return Number(address[1]);
    } finally {
      sentinel.disconnect();
    }
  }

  /** SIGKILL of the primary: a crash, its data gone. */
  async killPrimary(): Promise<void> {
    const child = this.processes.get('primary');
    if (!child || child.exitCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;
  }

  client(port: number): Redis {
    return new Redis(port, '127.0.0.1', { maxRetriesPerRequest: 1 });
  }

  async stop(): Promise<void> {
    for (const child of this.processes.values()) if (child.exitCode === null) child.kill('SIGKILL');
    await rm(this.dir, { recursive: true, force: true });
  }

  private spawn(name: string, args: string[]): void {
    // In the scratch directory: a replica writes the RDB it receives to its working directory.
    this.processes.set(name, spawn('redis-server', args, { stdio: 'ignore', cwd: this.dir }));
  }

  private async waitForPing(port: number): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      const client = new Redis(port, '127.0.0.1', { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
      try {
        await client.connect();
        await client.ping();
        return;
      } catch (error) {
        if (attempt > 100) throw error;
        await sleep(50);
      } finally {
        client.disconnect();
      }
    }
  }
}
