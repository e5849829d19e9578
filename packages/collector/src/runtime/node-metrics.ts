import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { Metrics } from '../observe/metrics.ts';
import type { Storage } from '../storage/storage.ts';

export interface NodeMetrics extends Metrics {
  /** The storage, each call timed into `kith_storage_seconds{operation}`. */
  timed(storage: Storage): Storage;
  /** Lag and dead letters of these forwarding destinations, read from storage at each scrape. */
  watchForwarding(storage: Storage, destinations: string[]): void;
}

/** Prometheus metrics with prom-client, in a registry of this collector's own (several apps may share a process). */
export function createNodeMetrics(): NodeMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'kith_' });
  const requests = new Counter({
    name: 'kith_requests_total',
    help: 'HTTP requests by method, route and status.',
    labelNames: ['method', 'route', 'status'],
    registers: [registry],
  });
  const duration = new Histogram({
    name: 'kith_request_seconds',
    help: 'Time to answer an HTTP request, by route.',
    labelNames: ['route'],
    registers: [registry],
    buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
  });
  const accepted = new Counter({
    name: 'kith_events_accepted_total',
    help: 'Events (and consent records) stored, by site.',
    labelNames: ['site'],
    registers: [registry],
  });
  const refused = new Counter({
    name: 'kith_events_refused_total',
    help: 'Events of accepted requests refused, by site and reason.',
    labelNames: ['site', 'reason'],
    registers: [registry],
  });
  const storageSeconds = new Histogram({
    name: 'kith_storage_seconds',
    help: 'Time of storage calls, by operation; failures are counted too.',
    labelNames: ['operation', 'outcome'],
    registers: [registry],
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 5],
  });
  const watched: { storage: Storage; destinations: string[] }[] = [];
  new Gauge({
    name: 'kith_forward_lag_seconds',
    help: 'Age of the oldest stored event a destination has not received yet (0 when it is up to date).',
    labelNames: ['destination'],
    registers: [registry],
    async collect() {
      for (const { storage, destinations } of watched) {
        for (const destination of destinations) {
          const [oldest] = await storage.pending(destination, 1);
          const lag = oldest ? Math.max(0, (Date.now() - Date.parse(oldest.event.receivedAt)) / 1000) : 0;
          this.set({ destination }, lag);
        }
      }
    },
  });
  new Gauge({
    name: 'kith_forward_dead_letters',
    help: 'Batches a destination refused or failed for good, waiting for "kith forward replay" (counted up to 10,000).',
    labelNames: ['destination'],
    registers: [registry],
    async collect() {
      for (const { storage, destinations } of watched) {
        for (const destination of destinations)
          this.set({ destination }, (await storage.deadLetters(destination, 10_000)).length);
      }
    },
  });

  return {
    request({ method, route, status }, seconds) {
      requests.inc({ method, route, status: String(status) });
      duration.observe({ route }, seconds);
    },
    events(site, count, reasons) {
      if (count > 0) accepted.inc({ site }, count);
      for (const reason of reasons) refused.inc({ site, reason });
    },
    async render() {
      return { contentType: registry.contentType, body: await registry.metrics() };
    },
    timed(storage) {
      const timedStorage = { ...storage } as Record<string, unknown>;
      for (const [operation, call] of Object.entries(storage)) {
        if (typeof call !== 'function' || operation === 'close') continue;
        timedStorage[operation] = async (...args: unknown[]) => {
          const stop = storageSeconds.startTimer({ operation });
          try {
            const result = await (call as (...args: unknown[]) => Promise<unknown>)(...args);
            stop({ outcome: 'ok' });
            return result;
          } catch (error) {
            stop({ outcome: 'failed' });
            throw error;
          }
        };
      }
      return timedStorage as unknown as Storage;
    },
    watchForwarding(storage, destinations) {
      watched.push({ storage, destinations });
    },
  };
}
