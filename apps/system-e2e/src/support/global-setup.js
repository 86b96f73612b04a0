// Jest's globalSetup runs outside the module registry, so the tsconfig path aliases
// (which moduleNameMapper handles inside tests) are registered here by hand.
const path = require('node:path');
const { register } = require('tsconfig-paths');
const { compilerOptions } = require('../../../../tsconfig.base.json');

register({ baseUrl: path.join(__dirname, '../../../..'), paths: compilerOptions.paths });

module.exports = async () => {
  const { prepareTemplateDatabase } = require('./template-database.ts');
  // Each run migrates its own template, so concurrent runs never share one.
  process.env.ORDERS_TEST_TEMPLATE = await prepareTemplateDatabase();
};
