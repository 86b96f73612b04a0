// What makes a process one of our services: PlatformModule composes config, logs, metrics,
// the database, messaging, auth, /health and /ready; createHttpApp and runService start it.
export { messagingSettingsOf, PlatformModule, REDIS, SERVICE_CONFIG } from './platform.module';
export { createHttpApp, type HttpApp } from './http/create-http-app';
export { exitOnStartupFailure, runService, startEventConsumers } from './bootstrap';
export { redisCheck } from './health/readiness';
