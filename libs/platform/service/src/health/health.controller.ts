import { Controller, Get, Inject, Logger, Req, Res } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Public } from '@orders/platform-auth';
import { ApiProblems, PROBLEM_CONTENT_TYPE, problemBody, Problems } from '@orders/platform-http';
import { withTimeout } from '@orders/platform-async';
import { ShutdownDrain } from './shutdown-drain';
import { READINESS_CHECKS, READINESS_DEADLINE_MS, ReadinessCheck } from './readiness';

@ApiTags('operations')
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
  @ApiOperation({ summary: 'Liveness', description: 'The process is up. No token.' })
  @ApiOkResponse({ schema: { type: 'object', required: ['status'], properties: { status: { type: 'string', enum: ['ok'] } } } })
  health() {
    return { status: 'ok' };
  }

  /**
   * Readiness: every dependency answers; otherwise 503 naming the failing ones. Checks
   * run side by side and one that does not answer within the deadline counts as down,
   * so a hung dependency fails the probe fast instead of hanging it.
   */
  @Get('ready')
  @ApiOperation({
    summary: 'Readiness',
    description: 'Every dependency (PostgreSQL, Redis, Kafka) is usable; otherwise 503 naming the failing ones. No token.',
  })
  @ApiOkResponse({
    schema: {
      type: 'object',
      required: ['status', 'checks'],
      properties: { status: { type: 'string', enum: ['ready'] }, checks: { type: 'object', additionalProperties: { type: 'string', enum: ['up', 'down'] } } },
    },
  })
  @ApiProblems(Problems.NotReady)
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
    const problem = problemBody(
      Problems.NotReady,
      `Not ready: ${failing.map((result) => result.name).join(', ')} unavailable.`,
      request.url.split('?')[0],
      failing.map((result) => ({ field: result.name, message: result.message })),
    );
    await reply
      .status(503)
      .header('content-type', PROBLEM_CONTENT_TYPE)
      .send({ ...problem, checks });
  }
}
