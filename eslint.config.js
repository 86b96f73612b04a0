// Lint: typescript-eslint recommended rules, and Nx module boundaries so the layout's
// promises hold in the imports (apps import libs, never each other; libs never apps).
const nx = require('@nx/eslint-plugin');
const prettier = require('eslint-config-prettier');

module.exports = [
  { ignores: ['**/dist', '**/node_modules', '.local/**', 'coverage/**', 'bench/results/**', '**/*.js', '**/*.mjs'] },
  ...nx.configs['flat/base'],
  ...nx.configs['flat/typescript'],
  prettier,
  {
    files: ['**/*.ts'],
    rules: {
      '@nx/enforce-module-boundaries': [
        'error',
        {
          enforceBuildableLibDependency: false,
          // Migrations are plain files of each service; the e2e project runs the apps themselves.
          allow: ['^@orders/migrations/.*$', '^@orders/(order-gateway|inventory-service|payment-service)$'],
          depConstraints: [
            { sourceTag: 'scope:shared', onlyDependOnLibsWithTags: ['scope:shared'] },
            { sourceTag: 'scope:gateway', onlyDependOnLibsWithTags: ['scope:shared'] },
            { sourceTag: 'scope:inventory', onlyDependOnLibsWithTags: ['scope:shared'] },
            { sourceTag: 'scope:payment', onlyDependOnLibsWithTags: ['scope:shared'] },
            { sourceTag: 'scope:e2e', onlyDependOnLibsWithTags: ['scope:shared', 'scope:gateway', 'scope:inventory', 'scope:payment'] },
            { sourceTag: 'scope:deploy', onlyDependOnLibsWithTags: ['scope:shared'] },
            // Tools (migrate, contracts) run the services' code from the outside, like the e2e project.
            { sourceTag: 'scope:tools', onlyDependOnLibsWithTags: ['scope:shared', 'scope:gateway', 'scope:inventory', 'scope:payment'] },
            { sourceTag: 'type:lib', onlyDependOnLibsWithTags: ['type:lib'] },
            { sourceTag: 'type:app', onlyDependOnLibsWithTags: ['type:lib'] },
          ],
        },
      ],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-explicit-any': 'error',
    },
  },
  {
    files: ['**/*.spec.ts', '**/*.e2e-spec.ts', 'apps/system-e2e/**/*.ts', 'deploy/**/*.ts'],
    rules: { '@typescript-eslint/no-non-null-assertion': 'off' },
  },
  {
    // Rendered Kubernetes manifests and compose files are untyped YAML.
    files: ['deploy/**/*.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
  {
    // A module-level hook for prom-client's collect() needs the instance.
    files: ['apps/order-gateway/src/observability/saga-gauges.ts'],
    rules: { '@typescript-eslint/no-this-alias': 'off' },
  },
];
