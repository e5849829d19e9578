#!/usr/bin/env node
// The `kith` command (the package's bin): a CLI over the Node runtime.
import { parseArgs } from 'node:util';
import { existsSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { createInterface } from 'node:readline/promises';
import { createApp } from './app.ts';
import { ConfigError } from './config.ts';
import { destinationsOf } from './forward/index.ts';
import { replayDeadLetters } from './forward/replay.ts';
import { DEFAULT_STORAGE, createNodeDeps, listen, loadNodeConfig } from './runtime/node.ts';
import { openStorage } from './storage/open.ts';
import { checkAdminToken, checkSecret } from './runtime/operator-input.ts';
import { backupSqlite } from './storage/sqlite/backup.ts';
import { erasePerson, exportPerson, showPerson, type PersonView } from './persons.ts';
import { audiencesCommand } from './audiences/cli.ts';
import { forwardingDestinations } from './audiences/erasure.ts';
import { FIGURES_USAGE, runFiguresCommand } from './figures/commands.ts';

const USAGE = `Usage:
  kith serve [--port 8787] [--host 0.0.0.0] [--storage sqlite:./data/kith.db] [--config kith.config.json]
  kith migrate [--storage ...]   (reports each migration it applies)
  kith backup <file> [--storage sqlite:...]   (a consistent copy of a live SQLite store)
  kith person show <user|anonymous> <id> [--site <id>] [--storage ...]
  kith person export <user|anonymous> <id> [--site <id>] [--storage ...]   (GDPR Art. 15, JSON on stdout)
  kith person erase <user|anonymous> <id> [--site <id>] [--storage ...] [--dry-run] [--yes]
      (GDPR Art. 17, prints the receipt; asks first unless --yes; --dry-run shows what would go)
  kith audiences list|members <key>|rebuild [--site <id>] [--config ...] [--storage ...]
  kith forward dead-letters <destination> [--storage ...]   (e.g. "nats" or "webhook:crm")
  kith forward replay <destination> [--config ...] [--storage ...]   (sends them again; removes each one delivered)
${FIGURES_USAGE}

Environment: KITH_PORT, KITH_STORAGE, KITH_CONFIG, KITH_ADMIN_TOKEN, KITH_VIEWER_TOKEN, KITH_SECRET.
Without a config file, "kith serve" runs one dev site (write key "dev", origins http://localhost:*).
Paths are relative to the current folder. --site may be left out when the config has one site.`;

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
        yes: { type: 'boolean', short: 'y' },
        'dry-run': { type: 'boolean' },
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
    const storage = absoluteStorage(values.storage ?? env.KITH_STORAGE ?? DEFAULT_STORAGE);
    const configPath = configPathOf(values.config, env);

    if (command === 'serve') {
      const port = parsePort(values.port ?? env.KITH_PORT ?? env.PORT ?? '8787');
      const host = values.host ?? '0.0.0.0';
      if (!/^[A-Za-z0-9.:%-]+$/.test(host))
        throw new ConfigError(
          `--host: "${host}" is not a host; use an address of this machine such as 0.0.0.0, 127.0.0.1 or ::.`,
        );
      const deps = await createNodeDeps({
        storage,
        ...(configPath ? { configPath } : {}),
        ...(env.KITH_ADMIN_TOKEN ? { adminToken: checkAdminToken(env.KITH_ADMIN_TOKEN) } : {}),
        ...(env.KITH_VIEWER_TOKEN ? { viewerToken: checkAdminToken(env.KITH_VIEWER_TOKEN, 'KITH_VIEWER_TOKEN') } : {}),
        ...(env.KITH_SECRET ? { secret: checkSecret(env.KITH_SECRET) } : {}),
      });
      const server = await listen(createApp(deps).fetch, { port, host }).catch(async (error: unknown) => {
        await deps.storage.close();
        throw error;
      });
      console.log(
        [
          `collector on ${server.url}${server.everyInterface ? ' (every network interface)' : ''} (storage ${storage})`,
          `console on ${server.url}/console: sign in with the admin token`,
          ...deps.notices,
        ]
          .map((line) => `kith: ${line}`)
          .join('\n'),
      );
      await untilSignal();
      await server.close();
      await deps.storage.close();
      return 0;
    }

    if (command === 'migrate') {
      const started = Date.now();
      let last = started;
      const opened = await openStorage(storage, (version, latest) => {
        const now = Date.now();
        console.log(
          `kith: migration ${version} of ${latest} (${((now - last) / 1000).toFixed(1)} s since the last step)`,
        );
        last = now;
      });
      await opened.close();
      console.log(`kith: ${storage} is up to date (${((Date.now() - started) / 1000).toFixed(1)} s)`);
      return 0;
    }

    if (command === 'backup') {
      const [file] = rest;
      if (!file || rest.length > 1)
        throw new ConfigError('backup: give the file to write, e.g. kith backup ./backups/kith-2026-01-31.db');
      if (!storage.startsWith('sqlite:'))
        throw new ConfigError('backup: copies SQLite stores; back PostgreSQL up with pg_dump (see docs/deploy.md).');
      const result = backupSqlite(storage.slice('sqlite:'.length), resolve(file));
      console.log(`kith: backed up ${result.events} events to ${result.file} (${(result.bytes / 1e6).toFixed(1)} MB)`);
      return 0;
    }

    if (command === 'person' && (rest[0] === 'show' || rest[0] === 'export' || rest[0] === 'erase')) {
      const [action, kind, id] = rest;
      if ((kind !== 'user' && kind !== 'anonymous') || !id)
        throw new ConfigError(`person ${action}: give <user|anonymous> <id>`);
      const key = { kind, id } as const;
      const site = values.site ?? onlySite(configPath);
      const opened = await openStorage(storage);
      try {
        const notHeld = () => {
          console.error(
            `kith: nothing is held on ${kind} ID "${id}" for site "${site}"${values.site ? '' : ' (give --site <id> for another site)'}`,
          );
          return 1;
        };
        if (action === 'erase') {
          const view = await showPerson(opened, site, key);
          if (!view) return notHeld();
          if (values['dry-run']) {
            console.log(JSON.stringify({ dryRun: true, wouldErase: erasable(view) }, null, 2));
            return 0;
          }
          if (!values.yes && !(await confirmed(`kith: erase ${describe(view)} for good? Type "erase" to go on: `))) {
            console.error('kith: nothing erased (give --yes to erase without asking, --dry-run to see what would go).');
            return 1;
          }
        }
        const result =
          action === 'show'
            ? await showPerson(opened, site, key)
            : action === 'export'
              ? await exportPerson(opened, site, key, new Date())
              : await erasePerson(
                  opened,
                  site,
                  key,
                  new Date(),
                  forwardingDestinations(loadNodeConfig(configPath).forward),
                );
        if (!result) return notHeld();
        console.log(JSON.stringify(result, null, 2));
        return 0;
      } finally {
        await opened.close();
      }
    }

    if (command === 'audiences') {
      const configPath =
        values.config ?? env.KITH_CONFIG ?? (existsSync('kith.config.json') ? 'kith.config.json' : undefined);
      const config = loadNodeConfig(configPath);
      const opened = await openStorage(storage);
      try {
        console.log(JSON.stringify(await audiencesCommand(rest[0], rest[1], values.site, config, opened), null, 2));
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
        const forward = loadNodeConfig(configPath).forward;
        const destination = forward && destinationsOf(forward).find((d) => d.id === destinationId);
        if (!destination)
          throw new ConfigError(`forward replay: no destination "${destinationId}" in the config's "forward" section.`);
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

/** A relative SQLite path is the current folder's; shown absolute, so the operator sees which file it is. */
function absoluteStorage(spec: string): string {
  if (!spec.startsWith('sqlite:')) return spec;
  const path = spec.slice('sqlite:'.length);
  return !path || path === ':memory:' || isAbsolute(path) ? spec : `sqlite:${resolve(path)}`;
}

/** With one site in the config, person commands need no --site; without a config, the dev site. */
function onlySite(configPath: string | undefined): string {
  if (configPath === undefined) return 'dev';
  const { sites } = loadNodeConfig(configPath);
  if (sites.length === 1) return sites[0]!.id;
  throw new ConfigError(
    `--site: ${configPath} has ${sites.length} sites; give --site with one of ${sites.map((site) => site.id).join(', ')}.`,
  );
}

/** What an erasure would remove, without the events themselves. */
function erasable(view: PersonView) {
  return {
    site: view.site,
    personId: view.personId,
    userIds: view.userIds,
    anonymousIds: view.anonymousIds,
    deviceIds: view.deviceIds,
    events: view.eventCount,
    traits: Object.keys(view.traits),
    consentsKeptUnderPseudonym: view.consents.length,
  };
}

const describe = (view: PersonView) =>
  `the person with ${[...view.userIds.map((id) => `user ID "${id}"`), ...view.anonymousIds.map((id) => `anonymous ID "${id}"`)].join(', ')} and ${view.eventCount} events on site "${view.site}"`;

/** Asks on the terminal (or reads a piped answer); no answer is a no. */
async function confirmed(question: string): Promise<boolean> {
  const prompt = createInterface({ input: process.stdin, output: process.stderr });
  try {
    const closed = new Promise<string>((resolve) => prompt.once('close', () => resolve('')));
    return (await Promise.race([prompt.question(question), closed])).trim().toLowerCase() === 'erase';
  } finally {
    prompt.close();
  }
}

/** --config, else KITH_CONFIG, else ./kith.config.json if there is one; without any, the dev site. */
function configPathOf(flag: string | undefined, env: NodeJS.ProcessEnv): string | undefined {
  return flag ?? env.KITH_CONFIG ?? (existsSync('kith.config.json') ? 'kith.config.json' : undefined);
}

function parsePort(value: string): number {
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new ConfigError(`--port: "${value}" is not a port; use a number from 0 to 65535 (0 picks a free one).`);
  return port;
}

function untilSignal(): Promise<void> {
  return new Promise((resolve) => {
    process.once('SIGINT', () => resolve());
    process.once('SIGTERM', () => resolve());
  });
}

if (import.meta.main) process.exitCode = await runCli(process.argv.slice(2));
