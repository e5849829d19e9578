import { execFileSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import type { TestProject } from 'vitest/node';

declare module 'vitest' {
  export interface ProvidedContext {
    /** A superuser URL of a database the tests may fill: each test makes its own schema in it. */
    postgresUrl: string;
  }
}

const DATABASE = 'kith_test';

/**
 * vitest globalSetup: a throwaway PostgreSQL server for the collector's tests, from Debian's
 * `postgresql` package, or the server in KITH_TEST_POSTGRES_URL (a role that may create roles).
 */
export default async function startPostgres(project: TestProject): Promise<() => Promise<void>> {
  const given = process.env.KITH_TEST_POSTGRES_URL;
  if (given) {
    project.provide('postgresUrl', given);
    return async () => {};
  }

  const bin = findPostgresBin();
  const asPostgres = postgresUser();
  const dir = mkdtempSync(join(tmpdir(), 'kith-pg-'));
  const data = join(dir, 'data');
  if (asPostgres) chownSync(dir, asPostgres.uid, asPostgres.gid);
  const run = (tool: string, args: string[]) => {
    const [file, argv] = asPostgres ? ['runuser', ['-u', 'postgres', '--', join(bin, tool), ...args]] : [join(bin, tool), args];
    execFileSync(file, argv, { cwd: dir, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  };

  let started = false;
  const stop = async () => {
    if (started) run('pg_ctl', ['-D', data, '-m', 'fast', '-w', 'stop']);
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    run('initdb', ['-D', data, '-U', 'postgres', '-A', 'trust', '-E', 'UTF8', '--no-locale', '--no-sync']);
    // Trust, but only on the private socket folder and loopback.
    writeFileSync(join(data, 'pg_hba.conf'), 'local all all trust\nhost all all 127.0.0.1/32 trust\n');
    const port = await freePort();
    // Durability is not under test here, speed is welcome: this server lives for one run.
    const settings = `-c listen_addresses=127.0.0.1 -p ${port} -k ${dir} -c fsync=off -c synchronous_commit=off -c full_page_writes=off`;
    run('pg_ctl', ['-D', data, '-l', join(dir, 'server.log'), '-o', settings, '-w', '-t', '60', 'start']);
    started = true;

    const admin = new pg.Client({ connectionString: `postgres://postgres@127.0.0.1:${port}/postgres` });
    await admin.connect();
    await admin.query(`create database ${DATABASE}`);
    await admin.end();
    project.provide('postgresUrl', `postgres://postgres@127.0.0.1:${port}/${DATABASE}`);
  } catch (error) {
    await stop();
    throw new Error(`Could not start a throwaway PostgreSQL server for the tests: ${describe(error)}`, { cause: error });
  }
  return stop;
}

function findPostgresBin(): string {
  const onPath = (process.env.PATH ?? '').split(':').find((folder) => folder && existsSync(join(folder, 'initdb')) && existsSync(join(folder, 'pg_ctl')));
  if (onPath) return onPath;
  const versions = existsSync('/usr/lib/postgresql') ? readdirSync('/usr/lib/postgresql').sort((a, b) => Number(b) - Number(a)) : [];
  const debian = versions.map((version) => `/usr/lib/postgresql/${version}/bin`).find((folder) => existsSync(join(folder, 'initdb')));
  if (debian) return debian;
  throw new Error(
    'The collector tests need PostgreSQL (initdb and pg_ctl), found neither on PATH nor under /usr/lib/postgresql/*/bin. ' +
      'Run `bash .ci/setup test` to install it, or set KITH_TEST_POSTGRES_URL to a server the tests may use.',
  );
}

/** initdb refuses to run as root, so root hands the server to the `postgres` user the package made. */
function postgresUser(): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const id = (flag: string) => Number(execFileSync('id', [flag, 'postgres'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }));
  try {
    return { uid: id('-u'), gid: id('-g') };
  } catch {
    throw new Error('Running as root, the throwaway PostgreSQL server needs the user "postgres" that Debian\'s package makes. Run `bash .ci/setup test`.');
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

function describe(error: unknown): string {
  const { stderr, message } = error as { stderr?: string; message?: string };
  return (stderr?.trim() || message) ?? String(error);
}
