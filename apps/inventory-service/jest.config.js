module.exports = {
  ...require('../../jest.preset.js'),
  displayName: 'inventory-service',
  rootDir: __dirname,
  testMatch: ['<rootDir>/src/**/*.spec.ts'],
};
