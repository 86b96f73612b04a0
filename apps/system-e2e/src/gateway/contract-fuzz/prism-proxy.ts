import { ChildProcess, spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../../support/isolated-resources';

/**
 * Stoplight Prism's validating proxy in front of the gateway, as a child process: every
 * request is forwarded unchanged (--validate-request=false: the fuzzer sends invalid requests
 * on purpose) and every response is checked against the document; with --errors a response
 * that violates it is replaced by Prism's own 500 VIOLATIONS problem, and every violation is
 * also listed in the `sl-violations` header.
 */
export class PrismProxy {
  private child: ChildProcess | null = null;
  private output = '';
  url = '';

  static async start(document: object, upstream: string): Promise<PrismProxy> {
    const proxy = new PrismProxy();
    await proxy.run(document, upstream);
    return proxy;
  }

  private async run(document: object, upstream: string): Promise<void> {
    const spec = join(tmpdir(), `gateway-openapi-${process.pid}-${Date.now()}.json`);
    writeFileSync(spec, JSON.stringify(document));
    const port = await freePort();
    const cli = require.resolve('@stoplight/prism-cli/dist/index.js');
    this.child = spawn(process.execPath, [cli, 'proxy', '--errors', '--validate-request=false', '-h', '127.0.0.1', '-p', String(port), spec, upstream], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child.stdout!.on('data', (chunk: Buffer) => (this.output = (this.output + chunk.toString()).slice(-20_000)));
    this.child.stderr!.on('data', (chunk: Buffer) => (this.output = (this.output + chunk.toString()).slice(-20_000)));
    const deadline = Date.now() + 30_000;
    while (!this.output.includes('Prism is listening')) {
      if (this.child.exitCode !== null || Date.now() > deadline) throw new Error(`Prism did not start:\n${this.output}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    this.url = `http://127.0.0.1:${port}`;
  }

  /** What Prism printed last (violations are logged there too). */
  get log(): string {
    return this.output;
  }

  async stop(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null) return;
    await new Promise<void>((resolve) => {
      child.once('exit', () => {
        resolve();
      });
      child.kill('SIGTERM');
    });
  }
}

/** A response Prism produced itself rather than relayed (https://stoplight.io/prism/errors#...). */
export function prismErrorOf(contentType: string | undefined, body: unknown): string | null {
  if (!contentType?.startsWith('application/problem+json') || typeof body !== 'object' || body === null) return null;
  const type = (body as { type?: unknown }).type;
  return typeof type === 'string' && type.startsWith('https://stoplight.io/prism/errors#') ? type.slice(type.indexOf('#') + 1) : null;
}
