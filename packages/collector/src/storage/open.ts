import { ConfigError } from '../config.ts';
import { createSqliteStorage } from './sqlite/index.ts';
import type { Storage } from './storage.ts';

export const DEFAULT_STORAGE = 'sqlite:./data/kith.db';

/** Opens storage from a `--storage` / KITH_STORAGE value and brings its schema up to date. */
export async function openStorage(spec: string): Promise<Storage> {
  let storage: Storage;
  if (spec.startsWith('sqlite:')) {
    const path = spec.slice('sqlite:'.length);
    if (!path) throw new ConfigError('--storage: give a file after "sqlite:", e.g. sqlite:./data/kith.db');
    storage = createSqliteStorage({ path });
  } else if (/^postgres(ql)?:\/\//.test(spec)) {
    throw new ConfigError('--storage: the PostgreSQL adapter is not available yet; use sqlite:./data/kith.db');
  } else {
    throw new ConfigError(`--storage: "${spec}" is not a storage; use sqlite:<file> (e.g. ${DEFAULT_STORAGE})`);
  }
  await storage.migrate();
  return storage;
}
