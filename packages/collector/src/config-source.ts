import { ConfigError, devConfig, parseConfig, type KithConfig } from './config.ts';

/**
 * The one config loader of both runtimes: the JSON text read from `source` (a kith.config.json on
 * Node, the KITH_CONFIG variable on Workers), validated; without any, the dev site, which `warn`
 * tells the operator about.
 */
export function loadConfig(text: string | undefined, source: string, warn: (line: string) => void): KithConfig {
  if (text === undefined) {
    warn(
      `DEV MODE: no ${source}, so one site with write key "dev" accepts http://localhost:* and http://127.0.0.1:*. Do not expose this.`,
    );
    return devConfig();
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    throw new ConfigError(`${source} is not valid JSON (${(error as Error).message}); fix the syntax.`);
  }
  return parseConfig(raw, source, text);
}
