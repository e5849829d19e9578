import { parseArgs } from 'node:util';
import { existsSync } from 'node:fs';
import { createApp } from './app.ts';
import { ConfigError } from './config.ts';
import { DEFAULT_STORAGE, createNodeDeps, listen } from './runtime/node.ts';
import { openStorage } from './storage/open.ts';
import type { IdKind } from './storage/storage.ts';

const USAGE = `Usage:
  kith serve [--port 8787] [--host 0.0.0.0] [--storage sqlite:./data/kith.db] [--config kith.config.json]
  kith migrate [--storage ...]
  kith person show <user|anonymous> <id> [--storage ...] [--limit 100]

Environment: KITH_PORT, KITH_STORAGE, KITH_CONFIG, KITH_ADMIN_TOKEN, KITH_SECRET.
Without a config file, "kith serve" runs one dev site (write key "dev", origins http://localhost:*).`;

/** Runs one CLI command; returns the exit code (bad flags or config exit 2 with the fix). */
export async function runCli(argv: string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  try {
    const { values, positionals } = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        port: { type: 'string' },
        host: { type: 'string' },
        storage: { type: 'string' },
        config: { type: 'string' },
        limit: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    });
    const [command, ...rest] = positionals;
    if (values.help || command === undefined || command === 'help') {
      console.log(USAGE);
      return command === undefined && !values.help ? 2 : 0;
    }
    const storage = values.storage ?? env.KITH_STORAGE ?? DEFAULT_STORAGE;

    if (command === 'serve') {
      const configPath = values.config ?? env.KITH_CONFIG ?? (existsSync('kith.config.json') ? 'kith.config.json' : undefined);
      const port = parsePort(values.port ?? env.KITH_PORT ?? env.PORT ?? '8787');
      const host = values.host ?? '0.0.0.0';
      const deps = await createNodeDeps({
        storage,
        ...(configPath ? { configPath } : {}),
        ...(env.KITH_ADMIN_TOKEN ? { adminToken: env.KITH_ADMIN_TOKEN } : {}),
      });
      const server = await listen(createApp(deps).fetch, { port, host });
      console.log([`collector on ${server.url} (storage ${storage})`, ...deps.notices].map((line) => `kith: ${line}`).join('\n'));
      await untilSignal();
      await server.close();
      await deps.storage.close();
      return 0;
    }

    if (command === 'migrate') {
      const opened = await openStorage(storage);
      await opened.close();
      console.log(`kith: ${storage} is up to date`);
      return 0;
    }

    if (command === 'person' && rest[0] === 'show') {
      const [, kind, id] = rest;
      if ((kind !== 'user' && kind !== 'anonymous') || !id) throw new ConfigError('person show: give <user|anonymous> <id>');
      const opened = await openStorage(storage);
      const page = await opened.events({ kind: kind as IdKind, id, limit: parseLimit(values.limit ?? '100') });
      await opened.close();
      console.log(JSON.stringify({ kind, id, events: page.events, next: page.next }, null, 2));
      return 0;
    }

    throw new ConfigError(`unknown command "${[command, ...rest].join(' ')}"\n\n${USAGE}`);
  } catch (error) {
    if (error instanceof ConfigError || (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      console.error(`kith: ${(error as Error).message}`);
      return 2;
    }
    throw error;
  }
}

function parsePort(value: string): number {
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new ConfigError(`--port: "${value}" is not a port; use a number from 0 to 65535 (0 picks a free one).`);
  return port;
}

function parseLimit(value: string): number {
  const limit = Number(value);
  if (!Number.isInteger(limit) || limit < 1 || limit > 1000) throw new ConfigError('--limit: use a whole number from 1 to 1000.');
  return limit;
}

function untilSignal(): Promise<void> {
  return new Promise((resolve) => {
    process.once('SIGINT', () => resolve());
    process.once('SIGTERM', () => resolve());
  });
}
