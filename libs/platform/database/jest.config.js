module.exports = {
  ...require('../../../jest.preset.js'),
  displayName: 'platform-database',
  rootDir: __dirname,
  testMatch: ['<rootDir>/src/**/*.spec.ts'],
};
