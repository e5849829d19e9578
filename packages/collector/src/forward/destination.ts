import type { StoredEvent } from '../storage/storage.ts';

/** Where a forwarder delivers stored events: NATS JetStream (nats.ts) or an HTTP webhook (webhook.ts). */
export interface Destination {
  /** Names the destination's cursor, lease and dead letters in storage: "nats" or "webhook:<id>". */
  readonly id: string;
  /** Tries of one batch before it is kept as a dead letter; Infinity retries until it goes through. */
  readonly maxAttempts: number;
  /** Delivers the whole batch or throws (a DeliveryError says how); delivering it again must be harmless. */
  deliver(batch: StoredEvent[], signal: AbortSignal): Promise<void>;
  close(): Promise<void>;
}

/** A failed delivery: `permanent` when another try cannot help; `retryAfterMs` when the destination said when to come back. */
export class DeliveryError extends Error {
  readonly permanent: boolean;
  readonly retryAfterMs: number | undefined;

  constructor(message: string, options: { permanent?: boolean; retryAfterMs?: number; cause?: unknown } = {}) {
    super(message, { cause: options.cause });
    this.name = 'DeliveryError';
    this.permanent = options.permanent ?? false;
    this.retryAfterMs = options.retryAfterMs;
  }
}
