import type { ForwardConfig } from '../config.ts';
import type { ForwardStore } from '../storage/storage.ts';
import type { Destination } from './destination.ts';
import { startForwarder, type ForwarderOptions } from './forwarder.ts';
import { natsDestination } from './nats.ts';
import { webhookDestination } from './webhook.ts';

export interface Forwarding {
  /** The destinations being forwarded to, by storage ID ("nats", "webhook:<id>"). */
  destinations: string[];
  stop(): Promise<void>;
}

/** The config's destinations, as Destination objects. */
export function destinationsOf(config: ForwardConfig): Destination[] {
  return [
    ...(config.nats ? [natsDestination(config.nats)] : []),
    ...config.webhooks.map((webhook) => webhookDestination(webhook)),
  ];
}

/** Starts one forwarder per configured destination; `stop` ends them all cleanly. */
export function startForwarding(
  store: ForwardStore,
  config: ForwardConfig,
  options: { owner: string } & Partial<Pick<ForwarderOptions, 'leaseMs' | 'clock' | 'log'>>,
): Forwarding {
  const destinations = destinationsOf(config);
  const forwarders = destinations.map((destination) =>
    startForwarder({
      ...options,
      store,
      destination,
      batchSize: config.batchSize,
      pollMs: config.pollMs,
      retry: config.retry,
    }),
  );
  return {
    destinations: destinations.map((d) => d.id),
    async stop() {
      await Promise.all(forwarders.map((forwarder) => forwarder.stop()));
    },
  };
}
