module.exports = {
  ...require('../../jest.preset.js'),
  displayName: 'order-gateway',
  rootDir: __dirname,
  testMatch: ['<rootDir>/src/**/*.spec.ts'],
};
