// A throwaway PostgreSQL server from Debian's `postgresql` package, for tests and benches:
// initdb into a temporary folder, loopback only on a free port, stopped and deleted afterwards.
import { execFileSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './ports.ts';

export interface ThrowawayPostgres {
  /** A superuser URL of the (empty) database asked for. */
  url: string;
  /** Runs SQL through psql and returns its unaligned, tuples-only output. */
  psql(sql: string): string;
  stop(): void;
}

/** Why PostgreSQL cannot be started here, or undefined when it can. */
export function postgresMissing(): string | undefined {
  if (!findPostgresBin())
    return 'PostgreSQL is not installed (no initdb, pg_ctl and psql on PATH or under /usr/lib/postgresql/*/bin); run `bash .ci/setup test`';
  if (process.getuid?.() === 0 && !userExists('postgres'))
    return 'running as root without the "postgres" user that initdb needs; run `bash .ci/setup test`';
  return undefined;
}

/**
 * `durable: false` turns fsync off for speed where durability is not under test; a bench keeps
 * PostgreSQL's durable defaults, to compare on the same terms as SQLite's synchronous=full.
 */
export async function startThrowawayPostgres(options: {
  database: string;
  durable: boolean;
}): Promise<ThrowawayPostgres> {
  const missing = postgresMissing();
  if (missing) throw new Error(missing);
  const bin = findPostgresBin()!;
  // initdb and pg_ctl refuse to run as root, so root hands the server to the `postgres` user.
  const owner = process.getuid?.() === 0 ? { uid: idOf('-u'), gid: idOf('-g') } : undefined;
  const dir = mkdtempSync(join(tmpdir(), 'kith-pg-'));
  const data = join(dir, 'data');
  if (owner) chownSync(dir, owner.uid, owner.gid);
  const run = (tool: string, args: string[]) => {
    const [file, argv] = owner
      ? ['runuser', ['-u', 'postgres', '--', join(bin, tool), ...args]]
      : [join(bin, tool), args];
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
    // Trust, but only on the private socket folder and loopback.
    writeFileSync(join(data, 'pg_hba.conf'), 'local all all trust\nhost all all 127.0.0.1/32 trust\n');
    const port = await freePort();
    const speed = options.durable ? '' : ' -c fsync=off -c synchronous_commit=off -c full_page_writes=off';
    run('pg_ctl', [
      '-D',
      data,
      '-l',
      join(dir, 'server.log'),
      '-o',
      `-c listen_addresses=127.0.0.1 -p ${port} -k ${dir}${speed}`,
      '-w',
      '-t',
      '60',
      'start',
    ]);
    started = true;
    const psqlAt = (database: string) => (sql: string) =>
      execFileSync(
        join(bin, 'psql'),
        [
          '-h',
          '127.0.0.1',
          '-p',
          String(port),
          '-U',
          'postgres',
          '-d',
          database,
          '-X',
          '-v',
          'ON_ERROR_STOP=1',
          '-Atqc',
          sql,
        ],
        {
          encoding: 'utf8',
          maxBuffer: 1 << 30,
        },
      );
    psqlAt('postgres')(`create database ${options.database}`);
    return { url: `postgres://postgres@127.0.0.1:${port}/${options.database}`, psql: psqlAt(options.database), stop };
  } catch (error) {
    stop();
    const { stderr, message } = error as { stderr?: string; message?: string };
    throw new Error(`could not start a throwaway PostgreSQL server: ${stderr?.trim() || message}`, { cause: error });
  }
}

function findPostgresBin(): string | undefined {
  const has = (folder: string) => ['initdb', 'pg_ctl', 'psql'].every((tool) => existsSync(join(folder, tool)));
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
