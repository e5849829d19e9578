import { KithError } from '../errors.ts';

/** Position after which a newest-first page continues: an event's timestamp and storage sequence. */
export interface Cursor {
  timestamp: string;
  seq: number;
}

const START: Cursor = { timestamp: '\uffff', seq: Number.MAX_SAFE_INTEGER };

export const encodeCursor = (cursor: Cursor): string => btoa(`${cursor.timestamp}|${cursor.seq}`).replace(/=+$/, '');

export function decodeCursor(value: string | undefined): Cursor {
  if (value === undefined || value === '') return START;
  try {
    const [timestamp, seq] = atob(value).split('|');
    const n = Number(seq);
    if (timestamp && Number.isSafeInteger(n)) return { timestamp, seq: n };
  } catch {
    // falls through to the error below
  }
  throw new KithError('invalid_request', 400, 'before must be the `next` value of a previous page.');
}
