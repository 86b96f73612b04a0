import { ArgumentsHost, Catch, ExceptionFilter, Logger } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { PROBLEM_CONTENT_TYPE, toProblem } from './problem-details';

/** The one place where errors become HTTP responses. */
@Catch()
export class ProblemDetailsFilter implements ExceptionFilter {
  private readonly logger = new Logger('HTTP');

  catch(error: unknown, host: ArgumentsHost): void {
    if (host.getType() !== 'http') throw error;
    const http = host.switchToHttp();
    sendProblem(http.getRequest<FastifyRequest>(), http.getResponse<FastifyReply>(), error, this.logger);
  }
}

function sendProblem(request: FastifyRequest, reply: FastifyReply, error: unknown, logger: Logger): void {
  const instance = request.url.split('?')[0];
  const problem = toProblem(error, instance);
  if (problem.unexpected) logger.error({ err: error, path: instance }, 'unexpected error while serving a request');
  if (reply.sent) return;
  void reply
    .status(problem.body.status)
    .headers({ ...problem.headers, 'content-type': PROBLEM_CONTENT_TYPE })
    .send(problem.body);
}
