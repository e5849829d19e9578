// A throwaway PostgreSQL server for a bench run: initdb into a temporary folder, loopback only,
// a free port, stopped and deleted afterwards. Unlike the collector tests' server it keeps
// PostgreSQL's durable defaults (fsync, synchronous_commit), to be compared with SQLite's
// synchronous=full on the same terms.
import { execFileSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface BenchPostgres {
  /** A superuser URL of an empty database. */
  url: string;
  /** Runs SQL through psql and returns its unaligned, tuples-only output. */
  psql(sql: string): string;
  stop(): void;
}

const DATABASE = 'kith_bench';

/** Why PostgreSQL cannot be started here, or undefined when it can. */
export function postgresMissing(): string | undefined {
  if (!findPostgresBin()) return 'PostgreSQL is not installed (no initdb and pg_ctl on PATH or under /usr/lib/postgresql/*/bin)';
  if (process.getuid?.() === 0 && !userExists('postgres')) return 'running as root without the "postgres" user that initdb needs';
  return undefined;
}

export async function startPostgres(): Promise<BenchPostgres> {
  const bin = findPostgresBin();
  if (!bin) throw new Error(postgresMissing());
  const owner = process.getuid?.() === 0 ? { uid: idOf('-u'), gid: idOf('-g') } : undefined;
  const dir = mkdtempSync(join(tmpdir(), 'kith-bench-pg-'));
  const data = join(dir, 'data');
  if (owner) chownSync(dir, owner.uid, owner.gid);
  // initdb and pg_ctl refuse to run as root, so root hands the server to the `postgres` user.
  const run = (tool: string, args: string[]) => {
    const [file, argv] = owner ? ['runuser', ['-u', 'postgres', '--', join(bin, tool), ...args]] : [join(bin, tool), args];
    return execFileSync(file, argv, { cwd: dir, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  };

  let started = false;
  const stop = () => {
    if (started) run('pg_ctl', ['-D', data, '-m', 'fast', '-w', 'stop']);
    started = false;
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    run('initdb', ['-D', data, '-U', 'postgres', '-A', 'trust', '-E', 'UTF8', '--no-locale', '--no-sync']);
    writeFileSync(join(data, 'pg_hba.conf'), 'local all all trust\nhost all all 127.0.0.1/32 trust\n');
    const port = await freePort();
    run('pg_ctl', ['-D', data, '-l', join(dir, 'server.log'), '-o', `-c listen_addresses=127.0.0.1 -p ${port} -k ${dir}`, '-w', '-t', '60', 'start']);
    started = true;
    const psqlAt = (database: string) => (sql: string) =>
      execFileSync(join(bin, 'psql'), ['-h', '127.0.0.1', '-p', String(port), '-U', 'postgres', '-d', database, '-X', '-v', 'ON_ERROR_STOP=1', '-Atqc', sql], {
        encoding: 'utf8',
        maxBuffer: 1 << 30,
      });
    psqlAt('postgres')(`create database ${DATABASE}`);
    return { url: `postgres://postgres@127.0.0.1:${port}/${DATABASE}`, psql: psqlAt(DATABASE), stop };
  } catch (error) {
    stop();
    const { stderr, message } = error as { stderr?: string; message?: string };
    throw new Error(`could not start a throwaway PostgreSQL server: ${stderr?.trim() || message}`, { cause: error });
  }
}

function findPostgresBin(): string | undefined {
  const has = (folder: string) => existsSync(join(folder, 'initdb')) && existsSync(join(folder, 'pg_ctl')) && existsSync(join(folder, 'psql'));
  const onPath = (process.env.PATH ?? '').split(':').find((folder) => folder && has(folder));
  if (onPath) return onPath;
  const root = '/usr/lib/postgresql';
  const versions = existsSync(root) ? readdirSync(root).sort((a, b) => Number(b) - Number(a)) : [];
  return versions.map((version) => join(root, version, 'bin')).find(has);
}

function userExists(name: string): boolean {
  try {
    execFileSync('id', ['-u', name], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

const idOf = (flag: string) => Number(execFileSync('id', [flag, 'postgres'], { encoding: 'utf8' }));

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no free port'))));
    });
  });
}
