module.exports = {
  ...require('../../../jest.preset.js'),
  displayName: 'platform-async',
  rootDir: __dirname,
  testMatch: ['<rootDir>/src/**/*.spec.ts'],
};
