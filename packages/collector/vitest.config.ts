import { configDefaults, defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    name: 'collector',
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    // *.workers.test.ts run in workerd: vitest.workers.config.ts.
    exclude: [...configDefaults.exclude, '**/*.workers.test.ts'],
    environment: 'node',
    // A throwaway PostgreSQL server for the postgres adapter's tests (or KITH_TEST_POSTGRES_URL);
    // nats-server found for the forwarding tests, which start their own.
    globalSetup: ['test/support/postgres-setup.ts', 'test/support/nats-setup.ts'],
  },
});
