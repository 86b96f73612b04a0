import { ChildProcess, spawn } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';

const ROOT = join(__dirname, '../../../..');

export type ServiceName = 'order-gateway' | 'inventory-service' | 'payment-service';

/**
 * One service as its own OS process from the build output (`npm run build`), for tests
 * that kill a process mid-flow (SIGKILL) and start it again.
 */
export class ServiceProcess {
  private child: ChildProcess | null = null;
  private exited: Promise<void> = Promise.resolve();
  private readonly output: string[] = [];
  readonly url: string;

  constructor(
    readonly service: ServiceName,
    readonly port: number,
    private readonly env: Record<string, string>,
    private readonly logFile: string,
  ) {
    this.url = `http://127.0.0.1:${port}`;
  }

  /** Starts the process and waits until /ready answers 200 (or, with `untilAnswering`, anything). */
  async start(untilAnswering = false): Promise<void> {
    const main = join(ROOT, 'dist/apps', this.service, 'src/main.js');
    if (!existsSync(main)) throw new Error(`${main} is missing: run \`npm run build\` first (npm test does)`);
    mkdirSync(join(this.logFile, '..'), { recursive: true });
    const log = createWriteStream(this.logFile, { flags: 'a' });
    this.child = spawn(process.execPath, [main], {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? '', ...this.env, PORT: String(this.port) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child.stdout!.pipe(log);
    this.child.stdout!.on('data', (chunk: Buffer) => this.output.push(chunk.toString()));
    this.child.stderr!.pipe(log);
    const child = this.child;
    // 'close', not 'exit': only then has everything the process wrote been read.
    this.exited = new Promise((resolve) =>
      child.once('close', () => {
        resolve();
      }),
    );
    await this.waitReady(untilAnswering);
  }

  /** Another process of this service on the same port, with the same environment plus `env`, logging beside this one. */
  sibling(name: string, env: Record<string, string> = {}): ServiceProcess {
    return new ServiceProcess(this.service, this.port, { ...this.env, ...env }, this.logFile.replace(/(\.log)?$/, `-${name}.log`));
  }

  /** Resolves when the process has exited (at once when it is not running). */
  whenExited(): Promise<void> {
    return this.exited;
  }

  /** What the process logged so far, all starts included (JSON lines). */
  readLog(): string {
    return this.output.join('');
  }

  /** SIGKILL: no shutdown hook runs, nothing is flushed — the crash the saga must survive. */
  async kill(signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    if (!this.child || this.child.exitCode !== null) return;
    this.child.kill(signal);
    await this.exited;
    this.child = null;
  }

  private async waitReady(untilAnswering: boolean, timeoutMs = 30_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (this.child?.exitCode !== null) throw new Error(`${this.service} exited during start-up (see ${this.logFile})`);
      try {
        const response = await fetch(`${this.url}/ready`);
        if (response.status === 200 || untilAnswering) return;
      } catch {
        // not listening yet
      }
      if (Date.now() > deadline) throw new Error(`${this.service} not ready after ${timeoutMs} ms (see ${this.logFile})`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}

export const TEST_LOG_DIR = join(ROOT, '.local/test-logs');
