import { INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { DocumentBuilder, OpenAPIObject, SwaggerModule } from '@nestjs/swagger';
import { documentCommonProblems, ProblemDetailsView } from '@orders/platform-http';
import { loadConfig } from '@orders/platform-config';
import { AppModule } from './app.module';
import { GatewayConfig } from './config/gateway.config';

const BEARER_SCHEME = 'bearer';

const DESCRIPTION = `Public REST API of the order gateway.

**Authentication**: \`Authorization: Bearer <JWT>\`, HS256, claims \`sub\` (user id), \`roles\` (\`["admin"]\` unlocks /admin/*) and \`exp\` (required).
Catalog reads, /health, /ready, /metrics and /docs need no token.

**Errors**: every 4xx/5xx is RFC 9457 \`application/problem+json\` (\`type\`, \`title\`, \`status\`, \`detail\`, \`instance\`, and \`errors\`
with one \`{ field, message }\` per invalid field on validation failures). Unknown routes are 404, bodies over 64 KiB 413,
non-JSON bodies 415. The \`type\` of every problem is one of the catalogue (the enum of ProblemDetailsView.type); each
operation lists the types it can answer per status.

**Idempotency**: \`POST /orders\` requires an \`Idempotency-Key\`, scoped per user and kept at least 24 h.`;

function createOpenApiDocument(app: INestApplication): OpenAPIObject {
  const config = new DocumentBuilder()
    .setTitle('Order platform API')
    .setDescription(DESCRIPTION)
    .setVersion('1.0')
    .addBearerAuth({ type: 'http', scheme: 'bearer', bearerFormat: 'JWT', description: 'HS256 JWT with sub, roles and exp.' }, BEARER_SCHEME)
    .addTag('orders', 'Placing, reading, listing and cancelling your orders')
    .addTag('catalog', 'The public catalog (no token)')
    .addTag('admin', 'Catalog and stock administration (role admin); served by inventory-service through the gateway')
    .addTag('operations', 'Liveness, readiness and metrics (no token)')
    .build();
  const document = SwaggerModule.createDocument(app, config, { extraModels: [ProblemDetailsView] });
  documentCommonProblems(document);
  return document;
}

/** Swagger UI at /docs and the document at /docs-json, generated from the code. */
export function setUpOpenApi(app: INestApplication): void {
  SwaggerModule.setup('docs', app, createOpenApiDocument(app), { jsonDocumentUrl: 'docs-json' });
}

/**
 * The same document without a running gateway (no database, Redis or Kafka): Nest's preview
 * mode reads the modules' metadata without instantiating a provider. Used by the contract
 * snapshot (`npm run contracts:update`) and the typed client generator.
 */
export async function gatewayOpenApiDocument(): Promise<OpenAPIObject> {
  const app = await NestFactory.create(AppModule.forRoot(loadConfig(GatewayConfig, {})), new FastifyAdapter(), { preview: true, logger: false });
  try {
    return createOpenApiDocument(app);
  } finally {
    await app.close();
  }
}
