import {
  JetStreamApiCodes,
  JetStreamApiError,
  jetstream,
  jetstreamManager,
  type JetStreamClient,
} from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import type { NatsConfig } from '../config.ts';
import type { StoredEvent } from '../storage/storage.ts';
import { DeliveryError, type Destination } from './destination.ts';

/** Where an event goes: `<prefix>.<site>.<type>`, e.g. kith.shop.track (site IDs are valid subject tokens). */
export const natsSubject = (prefix: string, event: StoredEvent): string => `${prefix}.${event.site}.${event.type}`;

/** JetStream's de-duplication key (Nats-Msg-Id): the event's messageId, which is unique per site. */
export const natsMessageId = (event: StoredEvent): string => `${event.site}:${event.messageId}`;

/**
 * Publishes each event to JetStream and counts it delivered once the server acknowledged it (the
 * PubAck: stored, or dropped as a resend within the stream's duplicate window). Creates the stream
 * when it is missing. Outages are never final (maxAttempts is Infinity): the client reconnects by
 * itself, and the forwarder tries again until the server is back.
 */
export function natsDestination(config: NatsConfig): Destination {
  let connection: NatsConnection | undefined;
  let js: JetStreamClient | undefined;
  let streamReady = false;

  async function connected(): Promise<JetStreamClient> {
    if (connection?.isClosed()) connection = js = undefined;
    if (!connection || !js) {
      connection = await connect({
        servers: config.servers,
        name: 'kith-collector',
        // Once connected, reconnect for ever; only the first connection is retried by the forwarder.
        maxReconnectAttempts: -1,
        reconnectTimeWait: 1000,
        timeout: config.ackTimeoutMs,
        ...(config.token ? { token: config.token } : {}),
        ...(config.user ? { user: config.user, pass: config.password ?? '' } : {}),
      });
      js = jetstream(connection, { timeout: config.ackTimeoutMs });
      streamReady = false;
    }
    if (!streamReady) {
      await ensureStream(connection, config);
      streamReady = true;
    }
    return js;
  }

  return {
    id: 'nats',
    maxAttempts: Number.POSITIVE_INFINITY,

    async deliver(batch, signal) {
      try {
        const client = await connected();
        // All in flight at once; the server stores them in the order sent.
        const acks = batch.map((event) =>
          client.publish(natsSubject(config.subjectPrefix, event), JSON.stringify(event), {
            msgID: natsMessageId(event),
            expect: { streamName: config.stream },
          }),
        );
        await untilAborted(Promise.all(acks), signal);
      } catch (error) {
        // The stream may be what is gone (a server that lost its store): look again on the next try.
        streamReady = false;
        throw new DeliveryError(
          `NATS ${config.servers.join(',')}: ${error instanceof Error ? error.message : String(error)}`,
          { cause: error },
        );
      }
    },

    async close() {
      await connection?.close();
      connection = js = undefined;
    },
  };
}

async function ensureStream(connection: NatsConnection, config: NatsConfig): Promise<void> {
  const jsm = await jetstreamManager(connection, { timeout: config.ackTimeoutMs });
  try {
    await jsm.streams.info(config.stream);
  } catch (error) {
    if (!(error instanceof JetStreamApiError && error.code === JetStreamApiCodes.StreamNotFound)) throw error;
    await jsm.streams.add({
      name: config.stream,
      subjects: [`${config.subjectPrefix}.>`],
      duplicate_window: config.duplicateWindowSeconds * 1e9,
    });
  }
}

function untilAborted<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  return new Promise((resolve, reject) => {
    const abort = () => reject(signal.reason);
    if (signal.aborted) return abort();
    signal.addEventListener('abort', abort, { once: true });
    work.then(resolve, reject).finally(() => signal.removeEventListener('abort', abort));
  });
}
