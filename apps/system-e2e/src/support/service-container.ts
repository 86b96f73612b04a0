import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { parse } from 'yaml';
import { ServiceName } from './service-process';

const ROOT = join(__dirname, '../../../..');
const run = promisify(execFile);
/** Podman as scripts/images.sh configures it (runc, cgroupfs, no default ulimits). */
const PODMAN_ENV = { ...process.env, CONTAINERS_CONF: join(ROOT, 'docker/image/containers.conf') };

export type ImageRefs = Record<ServiceName, string>;

export async function podman(...args: string[]): Promise<{ stdout: string; stderr: string }> {
  return run('podman', args, { env: PODMAN_ENV, maxBuffer: 64 * 1024 * 1024 });
}

/**
 * `scripts/images.sh build`: the base image once, then each service's image, reused when
 * its inputs did not change. Returns the image of each service.
 */
export async function buildImages(): Promise<ImageRefs> {
  const { stdout } = await run('bash', [join(ROOT, 'scripts/images.sh'), 'build'], { cwd: ROOT, maxBuffer: 16 * 1024 * 1024 });
  const refs = Object.fromEntries(
    stdout
      .trim()
      .split('\n')
      .map((line) => line.split(' ')),
  ) as ImageRefs;
  for (const service of ['order-gateway', 'inventory-service', 'payment-service'] as const) {
    if (!refs[service]) throw new Error(`scripts/images.sh build named no image for ${service}: ${stdout}`);
  }
  return refs;
}

interface ComposeService {
  user?: string;
  read_only?: boolean;
  tmpfs?: string[];
  cap_drop?: string[];
  security_opt?: string[];
  command?: string[];
  environment?: Record<string, string>;
  healthcheck?: { test: string[] };
}

/**
 * A service definition of docker/docker-compose.yml, read the way compose does (YAML merge
 * keys), so the containers of the tests run with the file's own hardening and commands.
 */
export function composeService(name: string): ComposeService {
  const compose = parse(readFileSync(join(ROOT, 'docker/docker-compose.yml'), 'utf8'), { merge: true }) as { services: Record<string, ComposeService> };
  const service = compose.services[name];
  if (!service) throw new Error(`docker/docker-compose.yml has no service ${name}`);
  return service;
}

/**
 * `podman run` arguments for a compose service: user, read-only root filesystem, tmpfs,
 * dropped capabilities, security options and environment as the file says. What compose
 * would add and the tests replace: the network (`--network host` here, so the containers
 * reach this machine's PostgreSQL, Redis and Kafka, instead of a compose network with
 * published ports) and the addresses in app.env (the test's own database, prefix and broker).
 */
export function composeRunArgs(service: ComposeService, env: Record<string, string>): string[] {
  const args = ['--network', 'host'];
  if (service.user) args.push('--user', service.user);
  if (service.read_only) args.push('--read-only');
  for (const path of service.tmpfs ?? []) args.push('--tmpfs', path);
  for (const cap of service.cap_drop ?? []) args.push('--cap-drop', cap);
  for (const option of service.security_opt ?? []) args.push('--security-opt', option);
  for (const [name, value] of Object.entries({ ...service.environment, ...env })) args.push('--env', `${name}=${value}`);
  return args;
}

/**
 * One service as a container from its image, defined by its docker-compose.yml entry: the
 * same life cycle as a ServiceProcess (start, SIGKILL or SIGTERM through `podman stop`).
 */
export class ServiceContainer {
  readonly url: string;
  readonly name: string;
  private logs = '';
  /** Exit code of the last stop (`podman stop`/`kill`), null while none happened. */
  exitCode: number | null = null;

  constructor(
    readonly service: ServiceName,
    readonly image: string,
    readonly port: number,
    private readonly env: Record<string, string>,
  ) {
    this.url = `http://127.0.0.1:${port}`;
    this.name = `${(env.KAFKA_TOPIC_PREFIX ?? 'op').replace(/\W/g, '')}-${service}`;
  }

  async start(): Promise<void> {
    await podman('rm', '--force', '--ignore', this.name);
    const definition = composeService(this.service);
    const env = { ...this.env, PORT: String(this.port) };
    await podman('run', '--detach', '--name', this.name, ...composeRunArgs(definition, env), this.image, ...(definition.command ?? []));
    await this.waitReady();
  }

  /** SIGKILL: a crash (`podman kill`); SIGTERM: `podman stop`, the way an orchestrator stops a pod. */
  async kill(signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    if (!(await this.running())) {
      await podman('rm', '--force', '--ignore', this.name);
      return;
    }
    if (signal === 'SIGKILL') await podman('kill', '--signal', 'KILL', this.name);
    else await podman('stop', '--time', '30', this.name);
    this.exitCode = Number((await podman('wait', this.name)).stdout.trim());
    const { stdout, stderr } = await podman('logs', this.name);
    this.logs += stdout + stderr;
    await podman('rm', '--force', '--ignore', this.name);
  }

  /** What the container logged, all starts included (the current one once it stopped). */
  readLog(): string {
    return this.logs;
  }

  /** `podman inspect --format <format>` of the running container. */
  async inspect(format: string): Promise<string> {
    return (await podman('inspect', '--format', format, this.name)).stdout.trim();
  }

  /** The compose file's healthcheck command, run inside the container. */
  async healthcheck(): Promise<void> {
    const test = composeService(this.service).healthcheck?.test ?? [];
    if (test[0] !== 'CMD') throw new Error(`${this.service}: expected an exec-form healthcheck, got ${JSON.stringify(test)}`);
    // The compose command probes the port compose publishes; the test's container listens on its own.
    const command = test.slice(1).map((part) => part.replace(/127\.0\.0\.1:\d+/, `127.0.0.1:${this.port}`));
    await podman('exec', this.name, ...command);
  }

  private async running(): Promise<boolean> {
    const { stdout } = await podman('ps', '--filter', `name=^${this.name}$`, '--format', '{{.Names}}');
    return stdout.trim() === this.name;
  }

  private async waitReady(timeoutMs = 60_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (!(await this.running())) {
        const { stdout, stderr } = await podman('logs', this.name).catch(() => ({ stdout: '', stderr: '' }));
        await podman('rm', '--force', '--ignore', this.name);
        throw new Error(`${this.service} container exited during start-up: ${(stdout + stderr).slice(-2000)}`);
      }
      try {
        const response = await fetch(`${this.url}/ready`);
        if (response.status === 200) return;
      } catch {
        // not listening yet
      }
      if (Date.now() > deadline) throw new Error(`${this.service} container not ready after ${timeoutMs} ms`);
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }
}

/**
 * A compose one-shot job (the migration and topic job) from an image: runs to completion and
 * returns its output; a non-zero exit throws.
 */
export async function runComposeJob(jobName: string, image: string, env: Record<string, string>): Promise<string> {
  const definition = composeService(jobName);
  const { stdout, stderr } = await podman('run', '--rm', ...composeRunArgs(definition, env), image, ...(definition.command ?? []));
  return stdout + stderr;
}
