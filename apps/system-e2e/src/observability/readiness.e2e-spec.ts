import { ChildProcess, spawn } from 'node:child_process';
import request from 'supertest';
import { freePort } from '../support/isolated-resources';
import { TestSystem } from '../support/system';

/** A private redis-server for this file: the shared one on 6379 is never stopped. */
class PrivateRedis {
  private child: ChildProcess | null = null;

  constructor(readonly port: number) {}

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    const child = spawn('redis-server', ['--port', String(this.port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--daemonize', 'no'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child = child;
    await new Promise<void>((resolve, reject) => {
      let output = '';
      child.stdout!.on('data', (chunk: Buffer) => {
        output += chunk.toString();
        if (output.includes('Ready to accept connections')) resolve();
      });
      child.once('exit', (code) => reject(new Error(`redis-server exited (${code}): ${output}`)));
    });
  }

  async stop(): Promise<void> {
    const child = this.child;
    this.child = null;
    if (!child || child.exitCode !== null) return;
    await new Promise<void>((resolve) => {
      child.once('exit', () => resolve());
      child.kill('SIGKILL');
    });
  }
}

/** /ready names a dependency that went away, and recovers by itself when it is back. */
describe('readiness follows Redis going away and coming back', () => {
  let redis: PrivateRedis;
  let system: TestSystem;

  beforeAll(async () => {
    redis = new PrivateRedis(await freePort());
    await redis.start();
    system = await TestSystem.start({ env: { REDIS_URL: redis.url } });
  });

  afterAll(async () => {
    await system?.stop();
    await redis?.stop();
  });

  async function readyUntil(baseUrl: string, status: number, timeoutMs = 20_000) {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const response = await request(baseUrl).get('/ready');
      if (response.status === status) return response;
      if (Date.now() > deadline) throw new Error(`/ready stayed ${response.status}: ${response.text}`);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }

  it('answers 503 naming redis while it is down, then 200 once it is back', async () => {
    for (const url of [system.gatewayUrl, system.inventoryUrl]) {
      expect((await readyUntil(url, 200)).body).toMatchObject({ status: 'ready', checks: { postgres: 'up', redis: 'up', kafka: 'up' } });
    }

    await redis.stop();

    for (const url of [system.gatewayUrl, system.inventoryUrl]) {
      const down = await readyUntil(url, 503);
      expect(down.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(down.body).toMatchObject({
        status: 503,
        detail: 'Not ready: redis unavailable.',
        checks: { postgres: 'up', redis: 'down', kafka: 'up' },
        errors: [{ field: 'redis', message: 'redis is unavailable' }],
      });
      // No internal host or port in the answer.
      expect(down.text).not.toContain(String(redis.port));
    }
    // Liveness is not readiness: the process is still up.
    await request(system.gatewayUrl).get('/health').expect(200, { status: 'ok' });

    await redis.start();

    for (const url of [system.gatewayUrl, system.inventoryUrl]) {
      expect((await readyUntil(url, 200)).body).toMatchObject({ status: 'ready', checks: { redis: 'up' } });
    }
  });
});
