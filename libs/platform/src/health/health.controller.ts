import { Controller, Get, Inject, Logger, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Req } from '@nestjs/common';
import { Public } from '../auth/auth.decorators';
import { PROBLEM_CONTENT_TYPE } from '../http/problem-details';
import { ShutdownDrain } from './shutdown-drain';
import { READINESS_CHECKS, READINESS_DEADLINE_MS, ReadinessCheck, withTimeout } from './readiness';

@ApiExcludeController()
@Public()
@Controller()
export class HealthController {
  private readonly logger = new Logger(HealthController.name);
  private readonly down = new Set<string>();

  constructor(
    @Inject(READINESS_CHECKS) private readonly checks: ReadinessCheck[],
    private readonly drain: ShutdownDrain,
  ) {}

  /** Liveness: the process answers. */
  @Get('health')
  health() {
    return { status: 'ok' };
  }

  /**
   * Readiness: every dependency answers; otherwise 503 naming the failing ones. Checks
   * run side by side and one that does not answer within the deadline counts as down,
   * so a hung dependency fails the probe fast instead of hanging it.
   */
  @Get('ready')
  async ready(@Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    if (this.drain.isDraining) {
      await reply
        .status(503)
        .header('content-type', PROBLEM_CONTENT_TYPE)
        .send({
          type: 'https://order-platform.dev/problems/not-ready',
          title: 'Service Unavailable',
          status: 503,
          detail: 'Not ready: shutting down.',
          instance: request.url.split('?')[0],
        });
      return;
    }
    const results = await Promise.all(
      this.checks.map(async (dependency) => {
        try {
          await withTimeout(dependency.check(), READINESS_DEADLINE_MS, dependency.name);
          if (this.down.delete(dependency.name)) this.logger.log({ dependency: dependency.name }, `${dependency.name} is available again`);
          return { name: dependency.name, up: true, message: 'up' };
        } catch (error) {
          // The reason stays in our logs (once per outage): it can name internal hosts.
          if (!this.down.has(dependency.name))
            this.logger.warn({ dependency: dependency.name, reason: (error as Error).message }, `${dependency.name} is unavailable`);
          this.down.add(dependency.name);
          return { name: dependency.name, up: false, message: `${dependency.name} is unavailable` };
        }
      }),
    );
    const checks = Object.fromEntries(results.map((result) => [result.name, result.up ? 'up' : 'down']));
    const failing = results.filter((result) => !result.up);
    if (failing.length === 0) {
      await reply.status(200).send({ status: 'ready', checks });
      return;
    }
    await reply
      .status(503)
      .header('content-type', PROBLEM_CONTENT_TYPE)
      .send({
        type: 'https://order-platform.dev/problems/not-ready',
        title: 'Service Unavailable',
        status: 503,
        detail: `Not ready: ${failing.map((result) => result.name).join(', ')} unavailable.`,
        instance: request.url.split('?')[0],
        checks,
        errors: failing.map((result) => ({ field: result.name, message: result.message })),
      });
  }
}
