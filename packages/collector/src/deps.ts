import type { Context } from 'hono';
import type { KithConfig } from './config.ts';
import type { Geo } from './pipeline/enrich.ts';
import type { Storage } from './storage/storage.ts';

/** Everything a route needs; tests pass their own clock and ID generator. */
export interface AppDeps {
  storage: Storage;
  config: KithConfig;
  /** Bearer token of the admin API. */
  adminToken: string;
  /**
   * Signs linker tokens (KITH_SECRET); every instance of a site needs the same. Without it each app
   * makes its own, and a token only holds on the instance that made it.
   */
  secret?: string;
  /** The SDK's script-tag bundle, served at /kith.js. */
  sdkScript: string;
  /** What the runtime knows of the client: its address (Node: the socket or a local proxy) and geo (Workers). */
  clientInfo?: (c: Context) => ClientInfo;
  clock?: () => Date;
  newId?: () => string;
}

/** AppDeps with the defaults filled in, once, by createApp: what the route handlers get. */
export type ResolvedDeps = AppDeps & Required<Pick<AppDeps, 'clock' | 'newId'>>;

export function withDefaults(deps: AppDeps): ResolvedDeps {
  return { ...deps, clock: deps.clock ?? (() => new Date()), newId: deps.newId ?? (() => crypto.randomUUID()) };
}

export interface ClientInfo {
  address?: string;
  geo?: Geo;
}

export type Env = { Variables: { requestId: string } };
