import { AddressInfo, createConnection, createServer, Server, Socket } from 'node:net';

/**
 * What a Kubernetes Service does for the tests that run replicas: a TCP listener that hands
 * each new connection to the next backend, round robin, among those whose `GET /ready`
 * answered 200 at the last probe (every 500 ms, a readiness probe period). A backend that reports not ready (draining on
 * SIGTERM) gets no new connections; connections it already has run to their end.
 */
export class RoundRobinProxy {
  private readonly ready = new Map<string, boolean>();
  private readonly sockets = new Set<Socket>();
  private next = 0;
  private probing: NodeJS.Timeout | null = null;

  private constructor(
    private readonly server: Server,
    private readonly backends: string[],
  ) {}

  /** Backends as `http://127.0.0.1:<port>`. */
  static async start(backends: string[]): Promise<RoundRobinProxy> {
    let proxy: RoundRobinProxy | null = null;
    const server = createServer((client) => {
      proxy!.route(client);
    });
    proxy = new RoundRobinProxy(server, backends);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    await proxy.probe();
    proxy.probing = setInterval(() => void proxy.probe(), 500);
    return proxy;
  }

  get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    if (this.probing) clearInterval(this.probing);
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) =>
      this.server.close(() => {
        resolve();
      }),
    );
  }

  private async probe(): Promise<void> {
    await Promise.all(
      this.backends.map(async (backend) => {
        const up = await fetch(`${backend}/ready`, { signal: AbortSignal.timeout(1_000) })
          .then((response) => response.status === 200)
          .catch(() => false);
        this.ready.set(backend, up);
      }),
    );
  }

  private async pick(): Promise<URL | null> {
    // No ready backend (all restarting): wait a little, as a client's connect timeout would.
    for (let waited = 0; waited < 10_000; waited += 50) {
      for (let tries = 0; tries < this.backends.length; tries++) {
        const backend = this.backends[this.next++ % this.backends.length];
        if (this.ready.get(backend)) return new URL(backend);
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    return null;
  }

  private route(client: Socket): void {
    this.sockets.add(client);
    client.on('close', () => this.sockets.delete(client));
    client.on('error', () => undefined);
    client.pause();
    void this.pick().then((backend) => {
      if (!backend) return client.destroy();
      const upstream = createConnection({ host: backend.hostname, port: Number(backend.port) });
      this.sockets.add(upstream);
      upstream.on('close', () => this.sockets.delete(upstream));
      upstream.on('error', () => client.destroy());
      client.on('error', () => upstream.destroy());
      upstream.pipe(client);
      client.pipe(upstream);
      client.resume();
    });
  }
}
