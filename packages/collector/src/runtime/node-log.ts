import { pino } from 'pino';
import { ConfigError } from '../config.ts';
import type { Logger } from '../observe/log.ts';

const LEVELS = ['error', 'warn', 'info', 'silent'];

/** JSON lines on stdout, as journald, Docker and log shippers take them; KITH_LOG_LEVEL=warn keeps only warnings and errors. */
export function createNodeLogger(level = process.env.KITH_LOG_LEVEL ?? 'info'): Logger {
  if (!LEVELS.includes(level))
    throw new ConfigError(`KITH_LOG_LEVEL: "${level}" is not a level; use one of ${LEVELS.join(', ')}.`);
  const logger = pino({ level, base: { pid: process.pid }, timestamp: pino.stdTimeFunctions.isoTime });
  return {
    info: (fields, message) => logger.info(fields, message),
    warn: (fields, message) => logger.warn(fields, message),
    error: (fields, message) => logger.error(fields, message),
  };
}
