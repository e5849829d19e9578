import type { WebhookConfig } from '../config.ts';
import type { StoredEvent } from '../storage/storage.ts';
import { DeliveryError, type Destination } from './destination.ts';
import { SIGNATURE_HEADER, TIMESTAMP_HEADER, hex, signWebhook } from './sign.ts';

/**
 * POSTs each batch as `{ "batch": StoredEvent[] }`, signed (sign.ts), with an Idempotency-Key that
 * is the same whenever the same events are sent again. 2xx is delivered; 408, 429, 5xx and network
 * errors are tried again; any other answer (4xx, a redirect) cannot get better and is dead-lettered.
 */
export function webhookDestination(config: WebhookConfig, clock: () => Date = () => new Date()): Destination {
  // Shown in logs and dead letters: the query string may hold a token.
  const shownUrl = (() => {
    const url = new URL(config.url);
    return `${url.origin}${url.pathname}`;
  })();

  return {
    id: `webhook:${config.id}`,
    maxAttempts: config.maxAttempts,

    async deliver(batch, signal) {
      const body = JSON.stringify({ batch });
      const timestamp = Math.floor(clock().getTime() / 1000);
      let response: Response;
      try {
        response = await fetch(config.url, {
          method: 'POST',
          headers: {
            'Content-Type': 'application/json',
            'User-Agent': 'kith-collector',
            'Idempotency-Key': await idempotencyKey(batch),
            [TIMESTAMP_HEADER]: String(timestamp),
            [SIGNATURE_HEADER]: await signWebhook(config.secret, timestamp, body),
          },
          body,
          redirect: 'manual',
          signal: AbortSignal.any([signal, AbortSignal.timeout(config.timeoutMs)]),
        });
      } catch (error) {
        throw new DeliveryError(`POST ${shownUrl} failed: ${reason(error)}`, { cause: error });
      }
      // Read to the end, so that the connection can be used again.
      await response.arrayBuffer().catch(() => {});
      if (response.ok) return;
      const { status } = response;
      const retryable = status === 408 || status === 429 || status >= 500;
      const hint =
        status >= 300 && status < 400
          ? ` (a redirect to ${response.headers.get('location') ?? '?'}: set url to where it leads)`
          : '';
      throw new DeliveryError(`POST ${shownUrl} answered ${status}${hint}`, {
        permanent: !retryable,
        ...(retryable ? { retryAfterMs: retryAfterMs(response.headers.get('retry-after'), clock()) } : {}),
      });
    },

    async close() {},
  };
}

/** The same for the same events in the same order: hex SHA-256 of their `site:messageId`s. */
async function idempotencyKey(batch: StoredEvent[]): Promise<string> {
  const ids = batch.map((e) => `${e.site}:${e.messageId}`).join('\n');
  return hex(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(ids)));
}

/** Retry-After in seconds or as an HTTP date; 0 when absent or unreadable. */
function retryAfterMs(value: string | null, now: Date): number {
  if (!value) return 0;
  if (/^\d+$/.test(value.trim())) return Number(value) * 1000;
  const at = Date.parse(value);
  return Number.isNaN(at) ? 0 : Math.max(0, at - now.getTime());
}

/** The useful part of a fetch failure: Node wraps the socket's error (ECONNREFUSED, ...) as the cause. */
function reason(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  if (error.name === 'TimeoutError') return 'no answer in time';
  const cause = error.cause as { code?: string; message?: string } | undefined;
  return cause?.code ?? cause?.message ?? error.message;
}
