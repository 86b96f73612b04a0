import { INestApplication } from '@nestjs/common';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { ProblemDetailsView } from '@orders/platform';

export const BEARER_SCHEME = 'bearer';

const DESCRIPTION = `Public REST API of the order gateway.

**Authentication**: \`Authorization: Bearer <JWT>\`, HS256, claims \`sub\` (user id), \`roles\` (\`["admin"]\` unlocks /admin/*) and \`exp\` (required).
Catalog reads, /health, /ready, /metrics and /docs need no token.

**Errors**: every 4xx/5xx is RFC 9457 \`application/problem+json\` (\`type\`, \`title\`, \`status\`, \`detail\`, \`instance\`, and \`errors\`
with one \`{ field, message }\` per invalid field on validation failures). Unknown routes are 404, bodies over 64 KiB 413,
non-JSON bodies 400 or 415.

**Idempotency**: \`POST /orders\` requires an \`Idempotency-Key\`, scoped per user and kept at least 24 h.`;

/** Swagger UI at /docs and the document at /docs-json, generated from the code. */
export function setUpOpenApi(app: INestApplication): void {
  const config = new DocumentBuilder()
    .setTitle('Order platform API')
    .setDescription(DESCRIPTION)
    .setVersion('1.0')
    .addBearerAuth({ type: 'http', scheme: 'bearer', bearerFormat: 'JWT', description: 'HS256 JWT with sub, roles and exp.' }, BEARER_SCHEME)
    .addTag('orders', 'Placing, reading, listing and cancelling your orders')
    .addTag('catalog', 'The public catalog (no token)')
    .addTag('admin', 'Catalog and stock administration (role admin); served by inventory-service through the gateway')
    .build();
  const document = SwaggerModule.createDocument(app, config, { extraModels: [ProblemDetailsView] });
  SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'docs-json' });
}
