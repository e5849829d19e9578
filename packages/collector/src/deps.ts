import type { KithConfig } from './config.ts';
import type { Storage } from './storage/storage.ts';

/** Everything a route needs; tests pass their own clock and ID generator. */
export interface AppDeps {
  storage: Storage;
  config: KithConfig;
  /** Bearer token of the admin API. */
  adminToken: string;
  /** The SDK's script-tag bundle, served at /kith.js. */
  sdkScript: string;
  clock?: () => Date;
  newId?: () => string;
}

export type Env = { Variables: { requestId: string } };
