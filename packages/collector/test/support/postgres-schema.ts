import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { inject } from 'vitest';

export interface TestSchema {
  /** Connects as the schema's own role, whose search_path finds the schema first. */
  url: string;
  /** Logs the role's connections out and refuses new ones, as a server that went away would. */
  refuseLogins(): Promise<void>;
  allowLogins(): Promise<void>;
  drop(): Promise<void>;
}

/**
 * A fresh role with a schema of its own name on the test server (see postgres-setup.ts), so each
 * test starts empty and sees no other test's rows, and can be cut off without touching the others.
 */
export async function freshTestSchema(): Promise<TestSchema> {
  const adminUrl = inject('postgresUrl');
  const role = `kith_test_${randomBytes(6).toString('hex')}`;
  const password = randomBytes(12).toString('hex');
  const asAdmin = async (sql: string) => {
    const client = new pg.Client({ connectionString: adminUrl });
    await client.connect();
    try {
      await client.query(sql);
    } finally {
      await client.end();
    }
  };
  const logOut = `select pg_terminate_backend(pid, 5000) from pg_stat_activity where usename = '${role}'`;

  await asAdmin(`create role ${role} login password '${password}'; create schema ${role} authorization ${role}`);
  const url = new URL(adminUrl);
  url.username = role;
  url.password = password;
  return {
    url: url.toString(),
    refuseLogins: () => asAdmin(`alter role ${role} nologin; ${logOut}`),
    allowLogins: () => asAdmin(`alter role ${role} login`),
    drop: () => asAdmin(`${logOut}; drop schema ${role} cascade; drop role ${role}`),
  };
}
