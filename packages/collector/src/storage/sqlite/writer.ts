// The SQLite writer thread: its own connection to the file, the group commits and their fsync, and
// the WAL checkpoints, all off the collector's event loop. Started by writer-client.ts.
import { closeSync, openSync, readSync } from 'node:fs';
import { DatabaseSync } from 'node:sqlite';
import { parentPort, workerData } from 'node:worker_threads';
import { connectionPragmas, createGroupCommit, type PreparedSet } from './writes.ts';

export interface WriterOptions {
  path: string;
  busyTimeoutMs: number;
  /** WAL frames (pages) after which the writer checkpoints, between two commits: SQLite's auto-checkpoint default is 1000. */
  checkpointFrames: number;
}

export type ToWriter = { type: 'write'; sets: { id: number; set: PreparedSet }[] } | { type: 'close' };
/** A refused set's error, as plain data: a thread boundary keeps an Error's message only. */
export interface WriterError {
  message: string;
  errcode?: number;
  errstr?: string;
}
export type FromWriter = { type: 'done'; outcomes: ({ id: number; result: { inserted: number; duplicates: number } } | { id: number; error: WriterError })[] };

const options = workerData as WriterOptions;
const port = parentPort!;
const db = new DatabaseSync(options.path);
// Checkpoints are this thread's job, between commits (see checkpoint below), never inside one.
db.exec(`${connectionPragmas(options.busyTimeoutMs)} pragma wal_autocheckpoint = 0;`);
const commit = createGroupCommit(db);

let waiting: { id: number; set: PreparedSet }[] = [];

// The WAL's length in frames, read where SQLite keeps it: the wal-index header's mxFrame, a native
// u32 at offset 16 of the -shm file (sqlite.org/walformat.html). A read of 4 bytes, no lock taken.
const header = new Uint32Array(1);
let shm: number | undefined;
const walFrames = (): number => {
  try {
    shm ??= openSync(`${options.path}-shm`, 'r');
    return readSync(shm, header, 0, 4, 16) === 4 ? header[0]! : 0;
  } catch {
    return 0;
  }
};

// Every set that arrived while the last commit was busy (delivered together, before this runs)
// goes into the next one: the busier the collector, the more sets share an fsync.
const commitWaiting = () => {
  const group = waiting;
  waiting = [];
  const outcomes = commit(group.map(({ set }) => set));
  port.postMessage({
    type: 'done',
    outcomes: outcomes.map((outcome, i) => {
      const id = group[i]!.id;
      if ('result' in outcome) return { id, result: outcome.result };
      const { message, errcode, errstr } = outcome.error as Error & WriterError;
      return { id, error: { message: String(message), errcode, errstr } };
    }),
  } satisfies FromWriter);
  // PASSIVE: copies what no reader still needs and waits for no one; once all is copied, the next
  // commit starts the WAL over. Here, after the acknowledgements are on their way.
  if (walFrames() >= options.checkpointFrames) db.exec('pragma wal_checkpoint(passive)');
};

port.on('message', (message: ToWriter) => {
  if (message.type === 'close') {
    if (shm !== undefined) closeSync(shm);
    db.close();
    port.close();
    return;
  }
  if (waiting.length === 0) setImmediate(commitWaiting);
  waiting.push(...message.sets);
});
