/** Structured logging: pino on Node (runtime/node-log.ts), JSON lines on console elsewhere (Workers). */
export interface Logger {
  info(fields: Record<string, unknown>, message: string): void;
  warn(fields: Record<string, unknown>, message: string): void;
  error(fields: Record<string, unknown>, message: string): void;
}

/** One JSON object per line on the console: what Workers' log tail and Logpush read as fields. */
export const consoleLogger: Logger = {
  info: (fields, message) => console.log(JSON.stringify({ level: 'info', time: Date.now(), ...fields, msg: message })),
  warn: (fields, message) => console.warn(JSON.stringify({ level: 'warn', time: Date.now(), ...fields, msg: message })),
  error: (fields, message) =>
    console.error(JSON.stringify({ level: 'error', time: Date.now(), ...fields, msg: message })),
};

/**
 * A warning said at most once a minute per key (a refused origin, an unknown write key): a
 * misconfigured page retries six times in five seconds, a scanner thousands; the log says it once,
 * with how many were left unsaid since.
 */
export function rateLimitedWarnings(log: () => Logger, windowMs = 60_000, maxKeys = 1000) {
  const lastSaid = new Map<string, { at: number; unsaid: number }>();
  return (key: string, fields: Record<string, unknown>, message: string) => {
    const now = Date.now();
    const seen = lastSaid.get(key);
    if (seen && now - seen.at < windowMs) {
      seen.unsaid += 1;
      return;
    }
    if (!seen && lastSaid.size >= maxKeys) lastSaid.delete(lastSaid.keys().next().value!);
    lastSaid.set(key, { at: now, unsaid: 0 });
    log().warn({ ...fields, ...(seen?.unsaid ? { unsaidSince: seen.unsaid } : {}) }, message);
  };
}
