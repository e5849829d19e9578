import { existsSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';

/**
 * Node side of the D1 tests' cut-off, bound into workerd as a service: it takes the write lock on
 * a D1 database's SQLite file from another process, as the sqlite adapter's test does. Miniflare
 * keeps each local D1 database as one SQLite file under its temporary folder; the one to lock is
 * the file holding the test's marker table. `POST /lock?marker=<table>` locks it, `POST /release` lets go.
 */
export function d1LockService(): (request: Request) => Promise<Response> {
  const held: DatabaseSync[] = [];

  return async (request) => {
    const url = new URL(request.url);
    if (url.pathname === '/release') {
      for (const db of held.splice(0)) {
        db.exec('rollback');
        db.close();
      }
      return new Response(null, { status: 204 });
    }
    const marker = url.searchParams.get('marker') ?? '';
    const file = d1Files().find((path) => holdsMarker(path, marker));
    if (!file) return new Response(`no D1 database holds the marker ${marker}`, { status: 404 });
    const lock = new DatabaseSync(file);
    lock.exec('begin exclusive');
    held.push(lock);
    return new Response(null, { status: 204 });
  };
}

function d1Files(): string[] {
  return readdirSync(tmpdir())
    .filter((name) => name.startsWith('miniflare-'))
    .map((name) => join(tmpdir(), name, 'd1', 'miniflare-D1DatabaseObject'))
    .flatMap((dir) =>
      (existsSync(dir) ? readdirSync(dir) : [])
        .filter((name) => name.endsWith('.sqlite'))
        .map((name) => join(dir, name)),
    );
}

function holdsMarker(path: string, marker: string): boolean {
  const db = new DatabaseSync(path, { readOnly: true });
  try {
    return db.prepare("select 1 from sqlite_master where type = 'table' and name = ?").get(marker) !== undefined;
  } catch {
    return false;
  } finally {
    db.close();
  }
}
