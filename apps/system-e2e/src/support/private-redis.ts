import { ChildProcess, spawn } from 'node:child_process';
import { Redis } from 'ioredis';
import { freePort } from './isolated-resources';

/**
 * A throw-away redis-server of this test file's own (no persistence), so the test can
 * stop and restart it without touching the shared Redis on 6379.
 */
export class PrivateRedis {
  private process: ChildProcess | null = null;

  private constructor(readonly port: number) {}

  static async start(): Promise<PrivateRedis> {
    const redis = new PrivateRedis(await freePort());
    await redis.start();
    return redis;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    const child = spawn('redis-server', ['--port', String(this.port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
    this.process = child;
    await untilRedisAnswers(new Redis(this.url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null }), child);
  }

  /** Kills this instance only (by its own pid): its data is gone, as in a crash. */
  async stop(): Promise<void> {
    const child = this.process;
    this.process = null;
    if (!child || child.exitCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;
  }

  client(): Redis {
    return new Redis(this.url, { maxRetriesPerRequest: 1 });
  }
}

/** Pings a just-started redis-server through `client` (lazy, no retries) until it answers; fails if it exits. */
export async function untilRedisAnswers(client: Redis, child: ChildProcess): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    try {
      await client.connect();
      await client.ping();
      client.disconnect();
      return;
    } catch (error) {
      client.disconnect();
      if (attempt > 100 || child.exitCode !== null) throw error;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
}
