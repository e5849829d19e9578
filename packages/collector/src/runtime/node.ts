import { serve } from '@hono/node-server';
import { getConnInfo } from '@hono/node-server/conninfo';
import type { Context } from 'hono';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { fileURLToPath } from 'node:url';
import type { AddressInfo } from 'node:net';
import { ConfigError, withForwardEnv, type KithConfig } from '../config.ts';
import { loadConfig } from '../config-source.ts';
import type { AppDeps, ClientInfo } from '../deps.ts';
import { startForwarding } from '../forward/index.ts';
import { startAudiences } from '../audiences/schedule.ts';
import { startErasurePurge } from '../audiences/erasure.ts';
import { startRetention } from '../retention.ts';
import { createNodeLogger } from './node-log.ts';
import { createNodeMetrics } from './node-metrics.ts';
import { startRefits } from '../figures/schedule.ts';
import { DEFAULT_STORAGE, openStorage } from '../storage/open.ts';
import { listenFailure } from './operator-input.ts';

export interface NodeOptions {
  storage: string;
  /** Path of kith.config.json; without one, the dev site is used. */
  configPath?: string;
  adminToken?: string;
  /** The console's read-only sign-in (KITH_VIEWER_TOKEN). */
  viewerToken?: string;
  /** Signs linker tokens; several instances of one site need the same (KITH_SECRET). */
  secret?: string;
}

export interface NodeDeps extends AppDeps {
  /** Lines worth telling the operator on start (dev mode, generated token). */
  notices: string[];
}

/** Reads config, storage and the SDK bundle the way the CLI and the demo shop both need them. */
export async function createNodeDeps(options: NodeOptions): Promise<NodeDeps> {
  const notices: string[] = [];
  const config = loadNodeConfig(options.configPath, notices);
  const sdkScript = loadSdkScript('kith.js');
  const sdkBanner = loadSdkScript('kith-banner.js');
  const log = createNodeLogger();
  const metrics = createNodeMetrics();
  const opened = metrics.timed(await openStorage(options.storage));
  const forwarding =
    config.forward &&
    startForwarding(opened, config.forward, {
      owner: `${hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`,
    });
  if (forwarding && forwarding.destinations.length > 0) {
    notices.push(`forwarding stored events to ${forwarding.destinations.join(', ')}`);
    metrics.watchForwarding(opened, forwarding.destinations);
  }
  // Exits sent for erased persons are deleted once every destination has them (audiences/erasure.ts).
  const purging =
    forwarding && forwarding.destinations.length > 0 ? startErasurePurge(opened, forwarding.destinations) : undefined;
  const retention = config.retentionDays ? startRetention(opened, config.retentionDays) : undefined;
  if (retention) notices.push(`deleting stored events older than ${config.retentionDays} days, every hour`);
  const audiences = startAudiences(opened, config);
  if (audiences) notices.push('evaluating audiences, computed traits and stages as events are stored');
  const { refitHours } = config.predictions;
  const refits =
    refitHours > 0
      ? startRefits(
          opened,
          config.sites.map((site) => site.id),
          refitHours,
          { audiences: audiences?.engine },
        )
      : undefined;
  if (refits) notices.push(`refitting predictions every ${refitHours} hours`);
  // Forwarders, retention, audiences and refits use storage, so closing it stops them first: whoever closes storage on shutdown ends them cleanly.
  const storage =
    forwarding || purging || retention || audiences || refits
      ? {
          ...opened,
          close: () =>
            Promise.all([
              forwarding?.stop(),
              purging?.stop(),
              retention?.stop(),
              audiences?.stop(),
              refits?.stop(),
            ]).then(() => opened.close()),
        }
      : opened;
  let adminToken = options.adminToken;
  if (!adminToken) {
    adminToken = randomBytes(18).toString('base64url');
    notices.push(`admin token (random for this run; set KITH_ADMIN_TOKEN to choose one): ${adminToken}`);
  }
  if (!options.secret && config.sites.some((site) => site.linkerDomains.length > 0)) {
    notices.push(
      'KITH_SECRET is not set: linker tokens are signed with a key made for this run, so they fail after a restart and on other instances.',
    );
  }
  if (!options.secret) notices.push('KITH_SECRET is not set: console sign-ins hold until this process ends.');
  return {
    storage,
    config,
    adminToken,
    ...(options.secret ? { secret: options.secret } : {}),
    ...(options.viewerToken ? { viewerToken: options.viewerToken } : {}),
    ...(audiences ? { audiences: audiences.engine } : {}),
    sdkScript,
    sdkBanner,
    clientInfo: nodeClientInfo,
    liveEvents: 'push',
    log,
    metrics,
    notices,
  };
}

/**
 * The visitor's address: the socket's peer, or, when that peer is a reverse proxy on this
 * machine (nginx, Caddy on loopback), the first X-Forwarded-For entry it set.
 */
export function nodeClientInfo(c: Context): ClientInfo {
  const peer = getConnInfo(c).remote.address;
  const local = peer === '127.0.0.1' || peer === '::1' || peer === '::ffff:127.0.0.1';
  const forwarded = local ? c.req.header('x-forwarded-for')?.split(',')[0]?.trim() : undefined;
  return { address: forwarded || peer };
}

/** kith.config.json (or the dev site without one), with the forwarding settings of the environment. */
export function loadNodeConfig(path: string | undefined, notices: string[] = []): KithConfig {
  if (path !== undefined && !existsSync(path))
    throw new ConfigError(`--config: ${path} does not exist; create it or leave --config out for the dev site.`);
  const text = path === undefined ? undefined : readFileSync(path, 'utf8');
  return withForwardEnv(
    loadConfig(text, path ?? 'kith.config.json', (line) => notices.push(line)),
    process.env,
  );
}

function loadSdkScript(file: 'kith.js' | 'kith-banner.js'): string {
  const path = fileURLToPath(import.meta.resolve(`@kith/sdk/${file}`));
  if (!existsSync(path)) throw new ConfigError(`The SDK bundle ${path} is missing; run "pnpm build" first.`);
  return readFileSync(path, 'utf8');
}

export interface RunningServer {
  /** The address it listens on, as a URL (a wildcard address is shown as it is: 0.0.0.0 or [::]). */
  url: string;
  /** Listening on every network interface, not only one address. */
  everyInterface: boolean;
  close(): Promise<void>;
}

/**
 * Serves a fetch handler on Node; resolves once listening (port 0 picks a free port). `close`
 * stops accepting, then waits for every handler still running, including those whose client hung
 * up, so storage is closed only after their writes have settled.
 */
export function listen(
  fetch: (request: Request, env?: unknown) => Response | Promise<Response>,
  options: { port: number; host: string },
): Promise<RunningServer> {
  const running = new Set<Promise<unknown>>();
  // `env` is the Node request and response (for the client's address): it passes through.
  const tracked = (request: Request, env?: unknown) => {
    const handled = Promise.resolve(fetch(request, env));
    const settled = handled.then(
      () => {},
      () => {},
    );
    running.add(settled);
    void settled.then(() => running.delete(settled));
    return handled;
  };
  return new Promise((resolve, reject) => {
    const server = serve({ fetch: tracked, port: options.port, hostname: options.host }, (info: AddressInfo) => {
      server.off('error', failed);
      const host = info.family === 'IPv6' ? `[${info.address}]` : info.address;
      // "localhost" is kept as asked (it is what the operator typed and what a browser opens); anything else as bound.
      const shown = options.host === 'localhost' ? 'localhost' : host;
      resolve({
        url: `http://${shown}:${info.port}`,
        everyInterface: info.address === '0.0.0.0' || info.address === '::',
        close: async () => {
          const closed = new Promise((done) => server.close(() => done(undefined)));
          while (running.size > 0) await Promise.all(running);
          // What is still open once every handler is done is a stream (the console's live view): it would hold the close for minutes.
          const streams = setTimeout(
            () => (server as { closeAllConnections?: () => void }).closeAllConnections?.(),
            1000,
          );
          await closed;
          clearTimeout(streams);
        },
      });
    });
    const failed = (error: unknown) => reject(listenFailure(error, options.port, options.host));
    server.once('error', failed);
  });
}

export { DEFAULT_STORAGE };
