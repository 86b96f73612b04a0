module.exports = {
  ...require('../../../jest.preset.js'),
  displayName: 'platform-service',
  rootDir: __dirname,
  testMatch: ['<rootDir>/src/**/*.spec.ts'],
};
