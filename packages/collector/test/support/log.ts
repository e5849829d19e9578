import type { Logger } from '../../src/observe/log.ts';

export interface LogLine {
  level: 'info' | 'warn' | 'error';
  msg: string;
  [field: string]: unknown;
}

/** A logger that keeps its lines, as a log shipper would receive them. */
export function captureLog(): { log: Logger; lines: LogLine[] } {
  const lines: LogLine[] = [];
  const keep = (level: LogLine['level']) => (fields: Record<string, unknown>, msg: string) => {
    lines.push(JSON.parse(JSON.stringify({ ...fields, level, msg })) as LogLine);
  };
  return { log: { info: keep('info'), warn: keep('warn'), error: keep('error') }, lines };
}
