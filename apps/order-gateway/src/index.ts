// What the system e2e tests and the tools (migrate, contracts) use to run this service in-process.
export { createGatewayApp } from './gateway.app';
export { GatewayConfig } from './config/gateway.config';
export { migrateGateway } from './migrate';
export { SlidingWindowLimiter } from './rate-limit/sliding-window.limiter';
export { gatewayOpenApiDocument } from './openapi';
export { requestFingerprint } from './idempotency/fingerprint';
