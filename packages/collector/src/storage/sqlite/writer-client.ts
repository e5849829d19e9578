import { Worker } from 'node:worker_threads';
import { storageUnavailable } from '../../errors.ts';
import type { WriteResult } from '../storage.ts';
import type { FromWriter, ToWriter, WriterError, WriterOptions } from './writer.ts';
import type { PreparedSet } from './writes.ts';

/** The collector's side of the writer thread: hands sets over, and settles each with the thread's answer. */
export interface Writer {
  write(set: PreparedSet): Promise<WriteResult>;
  /** Waits for the writes in flight, then stops the thread. */
  close(): Promise<void>;
  /** For tests: kills the thread as a crash would. */
  crash(): Promise<void>;
}

interface Pending {
  resolve: (result: WriteResult) => void;
  reject: (error: unknown) => void;
}

export function createWriter(options: WriterOptions): Writer {
  let worker: Worker | undefined;
  let nextId = 0;
  /** Handed over (or about to be), not yet answered. */
  const pending = new Map<number, Pending>();
  let outbox: { id: number; set: PreparedSet }[] = [];
  let closed = false;
  let drained: (() => void) | undefined;

  const settle = (id: number, settle: (entry: Pending) => void) => {
    const entry = pending.get(id);
    if (!entry) return;
    pending.delete(id);
    settle(entry);
    if (pending.size === 0) {
      worker?.unref();
      drained?.();
    }
  };

  const start = (): Worker => {
    const started = new Worker(new URL('./writer.ts', import.meta.url), { workerData: options });
    let failure: unknown;
    started.on('message', (message: FromWriter) => {
      for (const outcome of message.outcomes) {
        settle(outcome.id, ({ resolve, reject }) => ('result' in outcome ? resolve(outcome.result) : reject(storageUnavailable(asError(outcome.error)))));
      }
    });
    started.on('error', (error) => (failure = error));
    // However it ended, what it had not answered is failed, never left waiting; the next write starts a new thread.
    started.on('exit', (code) => {
      if (worker === started) worker = undefined;
      const error = failure ?? new Error(`the SQLite writer thread stopped (exit code ${code})`);
      for (const id of [...pending.keys()]) settle(id, ({ reject }) => reject(storageUnavailable(error)));
    });
    return started;
  };

  const handOver = () => {
    const sets = outbox;
    outbox = [];
    worker ??= start();
    worker.ref();
    worker.postMessage({ type: 'write', sets } satisfies ToWriter);
  };

  return {
    write(set) {
      if (closed) return Promise.reject(storageUnavailable(new Error('storage is closed')));
      return new Promise<WriteResult>((resolve, reject) => {
        const id = nextId++;
        pending.set(id, { resolve, reject });
        outbox.push({ id, set });
        // The sets of one turn of the event loop go over in one message.
        if (outbox.length === 1) setImmediate(handOver);
      });
    },

    async close() {
      if (closed) return;
      closed = true;
      if (pending.size > 0) await new Promise<void>((resolve) => (drained = resolve));
      const stopping = worker;
      worker = undefined;
      if (!stopping) return;
      const exited = new Promise((resolve) => stopping.once('exit', resolve));
      stopping.postMessage({ type: 'close' } satisfies ToWriter);
      await exited;
    },

    async crash() {
      await worker?.terminate();
    },
  };
}

const asError = ({ message, errcode, errstr }: WriterError): Error =>
  Object.assign(new Error(message), { code: 'ERR_SQLITE_ERROR', errcode, errstr });
