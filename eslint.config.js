import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['node_modules', 'cdk.out', '.kontor', 'coverage', '.scratch', 'docs/openapi.json'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      'no-console': 'off',
    },
  },
  {
    // zod as a namespace only: `import { z }` is one object esbuild cannot tree-shake, and it
    // put ~350 KB of unused zod into every function (infra/constructs/kontor-function.ts).
    files: ['shared/**', 'functions/**'],
    rules: {
      'no-restricted-syntax': [
        'error',
        {
          selector: "ImportDeclaration[source.value='zod'] > ImportSpecifier, ImportDeclaration[source.value='zod'] > ImportDefaultSpecifier",
          message: "Import zod as a namespace (import * as z from 'zod') so esbuild can drop what a function does not use.",
        },
      ],
    },
  },
  {
    // shared/ is the dependency-free core: no AWS SDK, middy or jose in domain and authz code.
    files: ['shared/authz/**', 'shared/domain/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        { patterns: ['@aws-sdk/*', '@middy/*', 'jose', 'aws-cdk-lib', 'aws-cdk-lib/*', 'zod'] },
      ],
    },
  },
);
