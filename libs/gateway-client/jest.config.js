module.exports = {
  ...require('../../jest.preset.js'),
  displayName: 'gateway-client',
  rootDir: __dirname,
  testMatch: ['<rootDir>/src/**/*.spec.ts'],
};
