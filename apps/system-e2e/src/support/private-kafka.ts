import { execFile } from 'node:child_process';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePort } from './isolated-resources';
import { uniqueSuffix } from './test-env';

const run = promisify(execFile);
const ROOT = join(__dirname, '../../../..');

/**
 * A Kafka broker of the test's own (same pinned 3.9.1 jars, own ports and data), so a
 * test can stop and restart "Kafka" without touching the broker other tests share.
 */
export class PrivateKafka {
  private constructor(
    readonly port: number,
    private readonly env: NodeJS.ProcessEnv,
    private readonly dir: string,
  ) {}

  get bootstrap(): string {
    return `127.0.0.1:${this.port}`;
  }

  /**
   * `extra.properties` replaces or adds broker settings (e.g. a SASL_SSL listener on `port`);
   * `extra.addScram` creates SCRAM users when the storage is formatted.
   */
  static async start(extra: { properties?: (port: number, controllerPort: number) => Promise<string>; addScram?: string[] } = {}): Promise<PrivateKafka> {
    const port = await freePort();
    const controller = await freePort();
    const dir = join(ROOT, '.local', `kafka-test-${uniqueSuffix()}`);
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      KAFKA_PORT: String(port),
      KAFKA_CONTROLLER_PORT: String(controller),
      KAFKA_INSTANCE_DIR: dir,
      KAFKA_HEAP: '-Xms128m -Xmx384m',
    };
    if (extra.properties) {
      await mkdir(dir, { recursive: true });
      env.KAFKA_EXTRA_PROPERTIES = join(dir, 'extra.properties');
      await writeFile(env.KAFKA_EXTRA_PROPERTIES, await extra.properties(port, controller));
    }
    if (extra.addScram) env.KAFKA_ADD_SCRAM = extra.addScram.join('\n');
    const broker = new PrivateKafka(port, env, dir);
    await broker.script('start');
    return broker;
  }

  async stop(): Promise<void> {
    await this.script('stop');
  }

  async restart(): Promise<void> {
    await this.script('start');
  }

  /** Stops the broker and deletes its data. */
  async destroy(): Promise<void> {
    await this.script('stop').catch(() => undefined);
    await rm(this.dir, { recursive: true, force: true });
  }

  private async script(command: string): Promise<void> {
    await run('bash', [join(ROOT, 'scripts/kafka.sh'), command], { env: this.env, timeout: 90_000 });
  }
}
