#!/usr/bin/env node
// The `kith` command (the package's bin): a CLI over the Node runtime.
import { parseArgs } from 'node:util';
import { existsSync } from 'node:fs';
import { createApp } from './app.ts';
import { ConfigError } from './config.ts';
import { destinationsOf } from './forward/index.ts';
import { replayDeadLetters } from './forward/replay.ts';
import { DEFAULT_STORAGE, createNodeDeps, listen, loadNodeConfig } from './runtime/node.ts';
import { openStorage } from './storage/open.ts';
import { FIGURES_USAGE, runFiguresCommand } from './figures/commands.ts';
import { erasePerson, exportPerson, showPerson } from './persons.ts';

const USAGE = `Usage:
  kith serve [--port 8787] [--host 0.0.0.0] [--storage sqlite:./data/kith.db] [--config kith.config.json]
  kith migrate [--storage ...]
  kith person show <user|anonymous> <id> [--site <id>] [--storage ...]
  kith person export <user|anonymous> <id> [--site <id>] [--storage ...]   (GDPR Art. 15, JSON on stdout)
  kith person erase <user|anonymous> <id> [--site <id>] [--storage ...]    (GDPR Art. 17, prints the receipt)
  kith forward dead-letters <destination> [--storage ...]   (e.g. "nats" or "webhook:crm")
  kith forward replay <destination> [--config ...] [--storage ...]   (sends them again; removes each one delivered)
${FIGURES_USAGE}

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
        site: { type: 'string' },
        from: { type: 'string' },
        to: { type: 'string' },
        funnel: { type: 'string' },
        'calibration-end': { type: 'string' },
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
      const configPath = configPathOf(values.config, env);
      const port = parsePort(values.port ?? env.KITH_PORT ?? env.PORT ?? '8787');
      const host = values.host ?? '0.0.0.0';
      const deps = await createNodeDeps({
        storage,
        ...(configPath ? { configPath } : {}),
        ...(env.KITH_ADMIN_TOKEN ? { adminToken: env.KITH_ADMIN_TOKEN } : {}),
        ...(env.KITH_SECRET ? { secret: env.KITH_SECRET } : {}),
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

    if (command === 'person' && (rest[0] === 'show' || rest[0] === 'export' || rest[0] === 'erase')) {
      const [action, kind, id] = rest;
      if ((kind !== 'user' && kind !== 'anonymous') || !id) throw new ConfigError(`person ${action}: give <user|anonymous> <id>`);
      const key = { kind, id } as const;
      const site = values.site ?? 'dev';
      const opened = await openStorage(storage);
      try {
        const result = action === 'show' ? await showPerson(opened, site, key)
          : action === 'export' ? await exportPerson(opened, site, key, new Date())
          : await erasePerson(opened, site, key, new Date());
        if (!result) {
          console.error(`kith: nothing is held on ${kind} ID "${id}" for site "${site}"${values.site ? '' : ' (give --site <id> for another site)'}`);
          return 1;
        }
        console.log(JSON.stringify(result, null, 2));
        return 0;
      } finally {
        await opened.close();
      }
    }

    if (command === 'forward' && (rest[0] === 'dead-letters' || rest[0] === 'replay') && rest[1]) {
      const [action, destinationId] = rest as [string, string];
      const opened = await openStorage(storage);
      try {
        if (action === 'dead-letters') {
          console.log(JSON.stringify(await opened.deadLetters(destinationId, 1000), null, 2));
          return 0;
        }
        const forward = loadNodeConfig(configPathOf(values.config, env)).forward;
        const destination = forward && destinationsOf(forward).find((d) => d.id === destinationId);
        if (!destination) throw new ConfigError(`forward replay: no destination "${destinationId}" in the config's "forward" section.`);
        const result = await replayDeadLetters(opened, destination, 1000);
        console.log(JSON.stringify(result, null, 2));
        return result.failed ? 1 : 0;
      } finally {
        await opened.close();
      }
    }

    const figures = await runFiguresCommand([command, ...rest], values, () => openStorage(storage));
    if (figures !== null) return figures;

    throw new ConfigError(`unknown command "${[command, ...rest].join(' ')}"\n\n${USAGE}`);
  } catch (error) {
    if (error instanceof ConfigError || (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      console.error(`kith: ${(error as Error).message}`);
      return 2;
    }
    throw error;
  }
}

/** --config, else KITH_CONFIG, else ./kith.config.json if there is one; without any, the dev site. */
function configPathOf(flag: string | undefined, env: NodeJS.ProcessEnv): string | undefined {
  return flag ?? env.KITH_CONFIG ?? (existsSync('kith.config.json') ? 'kith.config.json' : undefined);
}

function parsePort(value: string): number {
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new ConfigError(`--port: "${value}" is not a port; use a number from 0 to 65535 (0 picks a free one).`);
  return port;
}

function untilSignal(): Promise<void> {
  return new Promise((resolve) => {
    process.once('SIGINT', () => resolve());
    process.once('SIGTERM', () => resolve());
  });
}

if (import.meta.main) process.exitCode = await runCli(process.argv.slice(2));
