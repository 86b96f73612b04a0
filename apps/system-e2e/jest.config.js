const scenarios = require('./scenarios.js');

// E2E_SCENARIOS=<group> runs one group of scenarios.js (the Nx projects system-e2e-<group> do);
// unset, every scenario runs (npm test).
const group = process.env.E2E_SCENARIOS;
if (group && !scenarios[group]) throw new Error(`E2E_SCENARIOS=${group}: no such group in apps/system-e2e/scenarios.js`);
const listed = Object.values(scenarios).flatMap((entry) => (Array.isArray(entry.specs) ? entry.specs : []));
const escape = (path) => path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

module.exports = {
  ...require('../../jest.preset.js'),
  displayName: group ? `system-e2e:${group}` : 'system-e2e',
  rootDir: __dirname,
  testMatch: group && Array.isArray(scenarios[group].specs) ? scenarios[group].specs.map((spec) => `<rootDir>/${spec}`) : ['<rootDir>/src/**/*.e2e-spec.ts'],
  testPathIgnorePatterns: group && !Array.isArray(scenarios[group].specs) ? ['/node_modules/', ...listed.map(escape)] : ['/node_modules/'],
  globalSetup: '<rootDir>/src/support/global-setup.js',
  globalTeardown: '<rootDir>/src/support/global-teardown.js',
  slowTestThreshold: 30,
};
