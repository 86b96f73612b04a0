import { Controller, DynamicModule, Get, Inject, Injectable, Logger, Module, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { ServiceConfig } from '@orders/platform-config';
import { ServiceLogModule } from '@orders/platform-observability';
import { Writable } from 'node:stream';
import { TracingShutdown } from '../bootstrap';
import { createHttpApp, HttpApp } from './create-http-app';

const SERVICE = Symbol('SERVICE');

@Controller('probe')
class ProbeController {
  private readonly logger = new Logger('Probe');

  @Get()
  probe() {
    this.logger.log('handling the probe');
    return { ok: true };
  }
}

/** Work an app starts by itself, like the outbox relay: a timer set at bootstrap. */
@Injectable()
class BackgroundWork implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('Background');
  private timer: NodeJS.Timeout | null = null;
  done!: Promise<void>;

  constructor(@Inject(SERVICE) private readonly service: string) {}

  onApplicationBootstrap(): void {
    this.done = new Promise((resolve) => {
      this.timer = setTimeout(() => {
        this.logger.log(`background work of ${this.service}`);
        resolve();
      }, 10);
    });
  }

  onApplicationShutdown(): void {
    if (this.timer) clearTimeout(this.timer);
  }
}

@Module({})
class ProbeModule {
  static forService(service: string, destination: Writable): DynamicModule {
    return {
      module: ProbeModule,
      imports: [ServiceLogModule.forService({ service, level: 'info', pretty: false }, destination)],
      controllers: [ProbeController],
      providers: [{ provide: SERVICE, useValue: service }, BackgroundWork, TracingShutdown],
    };
  }
}

/**
 * The e2e tests run the three services in one process. Every log line must still name the
 * service that wrote it: Nest keeps one static logger per process, and nestjs-pino one root
 * logger, so before, one app's name ended up on the lines of all of them.
 */
describe('log lines of two apps in one process', () => {
  const lines: Array<Record<string, unknown> & { msg: string; service?: string; req?: { id: string } }> = [];
  // One destination for both apps, like stdout: the lines themselves must tell them apart.
  const stdout = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString().split('\n').filter(Boolean)) lines.push(JSON.parse(line));
      done();
    },
  });
  const apps = new Map<string, HttpApp>();

  beforeAll(async () => {
    for (const service of ['order-gateway', 'inventory-service']) {
      const app = await createHttpApp(ProbeModule.forService(service, stdout), new ServiceConfig());
      await app.listen(0, '127.0.0.1');
      apps.set(service, app);
    }
    for (const [service, app] of apps) {
      const response = await fetch(`${await app.getUrl()}/probe`, { headers: { 'x-request-id': `request-to-${service}` } });
      expect(response.status).toBe(200);
    }
    await Promise.all([...apps.values()].map((app) => app.get(BackgroundWork).done));
  });

  afterAll(async () => {
    for (const app of apps.values()) await app.close();
  });

  const written = (msg: string) => lines.filter((line) => line.msg === msg);

  it.each(['order-gateway', 'inventory-service'])('names %s on its request lines: the access log and what the handler wrote', async (service) => {
    const ofRequest = lines.filter((line) => line.req?.id === `request-to-${service}`);
    expect(ofRequest.map((line) => line.msg).sort()).toEqual(['handling the probe', 'request completed']);
    expect(ofRequest.map((line) => line.service)).toEqual([service, service]);
  });

  it('names the service on lines of work the app started itself (timers set in lifecycle hooks)', () => {
    const background = lines.filter((line) => line.msg.startsWith('background work of '));
    expect(background.map((line) => [line.msg, line.service]).sort()).toEqual([
      ['background work of inventory-service', 'inventory-service'],
      ['background work of order-gateway', 'order-gateway'],
    ]);
  });

  it('names no service, rather than a wrong one, on a line written outside either app', () => {
    new Logger('Outside').log('written by neither app');
    expect(written('written by neither app')).toEqual([expect.not.objectContaining({ service: expect.anything() })]);
  });

  it("names the service on Nest's own lines of each app", () => {
    expect(
      written('Nest application successfully started')
        .map((line) => line.service)
        .sort(),
    ).toEqual(['inventory-service', 'order-gateway']);
  });
});
