// Every project's tests in one run: unit specs next to the code, and the system
// end-to-end specs against real PostgreSQL, Redis and Kafka.
module.exports = {
  // End-to-end hooks start and stop three services on real infrastructure.
  testTimeout: 60_000,
  projects: [
    '<rootDir>/libs/events',
    '<rootDir>/libs/platform/async',
    '<rootDir>/libs/platform/config',
    '<rootDir>/libs/platform/observability',
    '<rootDir>/libs/platform/database',
    '<rootDir>/libs/platform/redis',
    '<rootDir>/libs/platform/messaging',
    '<rootDir>/libs/platform/http',
    '<rootDir>/libs/platform/auth',
    '<rootDir>/libs/platform/service',
    '<rootDir>/libs/gateway-client',
    '<rootDir>/apps/order-gateway',
    '<rootDir>/apps/inventory-service',
    '<rootDir>/apps/payment-service',
    '<rootDir>/apps/system-e2e',
    '<rootDir>/deploy',
    '<rootDir>/tools',
  ],
};
