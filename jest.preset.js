// Shared Jest settings: ts-jest in transpile-only mode (type checking is `npm run typecheck`),
// and the tsconfig path aliases mapped to source.
const path = require('node:path');

const root = __dirname;

module.exports = {
  testEnvironment: 'node',
  transform: {
    '^.+\\.ts$': ['ts-jest', { tsconfig: path.join(root, 'tsconfig.spec.json') }],
  },
  moduleFileExtensions: ['ts', 'js', 'json'],
  moduleNameMapper: {
    '^@orders/events$': path.join(root, 'libs/events/src/index.ts'),
    // libs/platform/<concern> is imported as @orders/platform-<concern>.
    '^@orders/platform-([a-z-]+)$': path.join(root, 'libs/platform/$1/src/index.ts'),
    '^@orders/gateway-client$': path.join(root, 'libs/gateway-client/src/index.ts'),
    '^@orders/(order-gateway|inventory-service|payment-service)$': path.join(root, 'apps/$1/src/index.ts'),
    '^@orders/migrations/(.*)$': path.join(root, 'migrations/$1'),
  },
  setupFiles: [path.join(root, 'jest.setup.js')],
};
