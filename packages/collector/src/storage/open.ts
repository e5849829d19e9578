import { ConfigError } from '../config.ts';
import { KithError } from '../errors.ts';
import { createPostgresStorage } from './postgres/index.ts';
import { createSqliteStorage } from './sqlite/index.ts';
import type { MigrationStep, Storage } from './storage.ts';

export const DEFAULT_STORAGE = 'sqlite:./data/kith.db';

/** Opens storage from a `--storage` / KITH_STORAGE value and brings its schema up to date. */
export async function openStorage(spec: string, onMigration?: MigrationStep): Promise<Storage> {
  let storage: Storage;
  if (spec.startsWith('sqlite:')) {
    const path = spec.slice('sqlite:'.length);
    if (!path) throw new ConfigError('--storage: give a file after "sqlite:", e.g. sqlite:./data/kith.db');
    try {
      storage = createSqliteStorage({ path });
    } catch (error) {
      throw new ConfigError(
        `--storage: cannot open ${path} (${(error as Error).message}); choose a path in a folder this user may write to.`,
      );
    }
  } else if (/^postgres(ql)?:\/\//.test(spec)) {
    storage = createPostgresStorage({ url: spec });
  } else {
    throw new ConfigError(
      `--storage: "${spec}" is not a storage; use sqlite:<file> (e.g. ${DEFAULT_STORAGE}) or postgres://user@host/database`,
    );
  }
  try {
    await storage.migrate(onMigration);
  } catch (error) {
    await storage.close().catch(() => {});
    if (spec.startsWith('sqlite:')) {
      const reason = ((error as Error).cause as Error | undefined)?.message ?? (error as Error).message;
      throw new ConfigError(
        `--storage: cannot write ${spec.slice('sqlite:'.length)} (${reason}); choose a path in a folder this user may write to.`,
      );
    }
    if (!(error instanceof KithError && error.code === 'storage_unavailable')) throw error;
    const reason = error.cause instanceof Error ? error.cause.message : String(error.cause);
    throw new ConfigError(
      `--storage: cannot reach ${withoutPassword(spec)} (${reason}); check that the server runs and that the URL, user and password are right.`,
    );
  }
  return storage;
}

function withoutPassword(spec: string): string {
  try {
    const url = new URL(spec);
    if (url.password) url.password = '***';
    return url.toString();
  } catch {
    return spec.replace(/:[^:@/]*@/, ':***@');
  }
}
