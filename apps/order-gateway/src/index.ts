// What the system e2e tests (and only they) use to run this service in-process.
export { createGatewayApp, SERVICE, SCHEMA } from './gateway.app';
export { GatewayConfig } from './config/gateway.config';
export { migrateGateway } from './migrate';
export { IdempotencyService } from './idempotency/idempotency.service';
export { SlidingWindowLimiter } from './rate-limit/sliding-window.limiter';
export { gatewayOpenApiDocument } from './openapi';
