import type { TestProject } from 'vitest/node';
import { startThrowawayPostgres } from './throwaway-postgres.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    /** A superuser URL of a database the tests may fill: each test makes its own schema in it. */
    postgresUrl: string;
  }
}

/**
 * vitest globalSetup: a throwaway PostgreSQL server for the collector's tests, or the server in
 * KITH_TEST_POSTGRES_URL (a role that may create roles). Durability is not under test here.
 */
export default async function startPostgres(project: TestProject): Promise<() => Promise<void>> {
  const given = process.env.KITH_TEST_POSTGRES_URL;
  if (given) {
    project.provide('postgresUrl', given);
    return async () => {};
  }
  const server = await startThrowawayPostgres({ database: 'kith_test', durable: false }).catch((error: Error) => {
    throw new Error(
      `${error.message}. The collector tests need it, or KITH_TEST_POSTGRES_URL set to a server they may use.`,
      { cause: error },
    );
  });
  project.provide('postgresUrl', server.url);
  return async () => server.stop();
}
