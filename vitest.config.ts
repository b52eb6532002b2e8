import { defineConfig } from 'vitest/config';

// Unit tests (*.test.ts) are pure and need nothing. Integration tests (*.int.test.ts) run against
// the real one-machine stack (Kafka, PostgreSQL, kube-apiserver) that the global setup brings up.
export default defineConfig({
  resolve: { conditions: ['source'] },
  ssr: { resolve: { conditions: ['source'] } },
  test: {
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          include: [
            '{services,operator,local,schemas}/**/src/**/*.test.ts',
            'loadtest/src/**/*.test.ts',
            'test/support/**/*.test.ts',
          ],
          exclude: ['**/*.int.test.ts', '**/node_modules/**'],
        },
      },
      {
        extends: true,
        test: {
          name: 'integration',
          include: ['{services,operator,local,schemas}/**/*.int.test.ts', 'test/**/*.int.test.ts'],
          exclude: ['**/node_modules/**'],
          globalSetup: ['local/src/test-setup.ts'],
          testTimeout: 60_000,
          hookTimeout: 120_000,
          fileParallelism: false,
        },
      },
    ],
  },
});
