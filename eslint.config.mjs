// @ts-check
import eslint from '@eslint/js';
import tseslint from 'typescript-eslint';
import prettier from 'eslint-config-prettier';

const SRC = 'apps/message-service/src';

/**
 * The service's folders from the bottom up. A file may import its own folder and the folders
 * below it, never one above: requests flow controllers → services → the message state module and
 * the adapters → the database, Redis and the MQ, and nothing below reaches back up.
 */
const LAYERS = [
  'common',
  'config',
  'database',
  'metrics',
  'redis',
  'mq',
  'queue',
  'alerts',
  'state',
  'producers',
  'consumers',
  'delivery',
  'check-back',
  'messages',
  'retention',
  'admin',
  'ops',
  'sweeps',
];
/** The composition root (modules wired together, entry points) sits above every folder. */
const ROOT = ['cli', 'app\\.module', 'create-app', 'main', 'openapi', 'console'];
/** Services reach databases, Redis, queues and brokers only through the state module or adapters. */
const DRIVERS = [
  'typeorm',
  '@nestjs/typeorm',
  'ioredis',
  'bullmq',
  '@nestjs/bullmq',
  'rocketmq-client-nodejs',
];

function layerRules(folder, i, kind) {
  const above = [...LAYERS.slice(i + 1), ...ROOT];
  const patterns = [
    {
      regex: `^(\\.\\./)+(${above.join('|')})(/|$)`,
      message: `${folder}/ may import only its own folder and those below it (${LAYERS.slice(0, i).join(', ') || 'none'}): move the shared piece down, or invert the call (see AfterCommit).`,
    },
  ];
  patterns.push({
    regex: '^apps/',
    message: "import the service's own files by relative path, so that the layering rule sees them",
  });
  if (kind === 'service') {
    patterns.push({
      group: DRIVERS,
      message: 'services use the state module or an adapter, never a driver directly',
    });
  }
  if (kind === 'controller') {
    patterns.push({
      regex: '^(\\.\\./)+state(/|$)',
      allowImportNames: ['Message', 'MessageEvent'],
      message: 'controllers call a service, which calls the state module',
    });
  }
  return { 'no-restricted-imports': ['error', { patterns }] };
}

const layers = LAYERS.flatMap((folder, i) => [
  { files: [`${SRC}/${folder}/**/*.ts`], rules: layerRules(folder, i, 'any') },
  { files: [`${SRC}/${folder}/**/*.service.ts`], rules: layerRules(folder, i, 'service') },
  { files: [`${SRC}/${folder}/**/*.controller.ts`], rules: layerRules(folder, i, 'controller') },
]);

export default tseslint.config(
  {
    ignores: [
      '**/dist/**',
      'node_modules/**',
      'coverage/**',
      'eslint.config.mjs',
      'jest.config.js',
      'scripts/*.js',
      'test/support/*.js',
    ],
  },
  eslint.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  prettier,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/switch-exhaustiveness-check': 'error',
      '@typescript-eslint/no-extraneous-class': 'off',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
    },
  },
  ...layers,
  {
    files: ['libs/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        { patterns: [{ regex: '(^|/)apps/', message: 'libraries never import from apps' }] },
      ],
    },
  },
  {
    files: ['apps/**/*.ts', 'libs/**/*.ts', 'test/**/*.ts'],
    ignores: ['**/migrations/*.ts'],
    rules: { 'max-lines': ['error', { max: 250, skipBlankLines: true, skipComments: true }] },
  },
  {
    files: ['**/*.spec.ts', 'test/**/*.ts'],
    rules: {
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      // expect(mock.method).toHaveBeenCalled…: jest mocks are not bound methods.
      '@typescript-eslint/unbound-method': 'off',
    },
  },
);
