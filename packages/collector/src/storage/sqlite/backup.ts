import { existsSync, mkdirSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { ConfigError } from '../../config.ts';

export interface BackupResult {
  file: string;
  bytes: number;
  events: number;
}

/**
 * A consistent copy of a live SQLite store, taken with VACUUM INTO: one read transaction, so it
 * holds every write committed before it began and none half, while the collector keeps writing
 * (WAL mode lets readers and the writer run side by side). The copy is a plain database file
 * without WAL, compacted, without the free pages that may still hold deleted data.
 */
export function backupSqlite(source: string, target: string): BackupResult {
  if (!existsSync(source))
    throw new ConfigError(`kith backup: the store ${source} does not exist; give the --storage the collector uses.`);
  if (existsSync(target)) throw new ConfigError(`kith backup: ${target} exists already; give a new file name.`);
  const db = new DatabaseSync(source);
  try {
    db.exec('pragma busy_timeout = 5000');
    mkdirSync(dirname(target), { recursive: true });
    db.prepare('vacuum into ?').run(target);
  } catch (error) {
    throw new ConfigError(
      `kith backup: cannot write ${target} (${(error as Error).message}); choose a folder this user may write to, with room for the copy.`,
    );
  } finally {
    db.close();
  }
  const copy = new DatabaseSync(target, { readOnly: true });
  try {
    const check = copy.prepare('pragma quick_check').get() as { quick_check: string };
    if (check.quick_check !== 'ok') throw new Error(`the backup ${target} failed its check: ${check.quick_check}`);
    const { count } = copy.prepare('select count(*) as count from events').get() as { count: number };
    return { file: target, bytes: statSync(target).size, events: count };
  } finally {
    copy.close();
  }
}
