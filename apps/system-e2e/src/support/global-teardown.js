const path = require('node:path');
const { register } = require('tsconfig-paths');
const { compilerOptions } = require('../../../../tsconfig.base.json');

register({ baseUrl: path.join(__dirname, '../../../..'), paths: compilerOptions.paths });

module.exports = async () => {
  const { dropDatabase } = require('./template-database.ts');
  if (process.env.ORDERS_TEST_TEMPLATE) await dropDatabase(process.env.ORDERS_TEST_TEMPLATE);
};
