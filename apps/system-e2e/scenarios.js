// The system e2e scenarios in groups by the services they involve, so `nx affected -t test`
// after a change to one service runs the scenarios that involve it and not the others. Each group
// is an Nx project (scenarios/<group>/project.json) whose implicitDependencies are `involves`
// (a unit test keeps the two in step). Every TestSystem boots all three services; "involves"
// means the scenario's outcome depends on that service's behaviour. A spec listed nowhere is in
// `saga` (every service): a new scenario is safe by default.
module.exports = {
  'gateway-api': {
    involves: ['order-gateway', 'inventory-service'],
    specs: [
      'src/gateway/admin-upstream.e2e-spec.ts',
      'src/gateway/auth-and-isolation.e2e-spec.ts',
      'src/gateway/errors-and-validation.e2e-spec.ts',
      'src/gateway/idempotency.e2e-spec.ts',
      'src/gateway/openapi.e2e-spec.ts',
      'src/gateway/rate-limit.e2e-spec.ts',
      'src/gateway/sku-paths.e2e-spec.ts',
    ],
  },
  saga: {
    involves: ['order-gateway', 'inventory-service', 'payment-service'],
    specs: 'every other',
  },
};
