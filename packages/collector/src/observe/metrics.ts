/**
 * What the collector counts, whatever records it: prom-client on Node (runtime/node-metrics.ts).
 * Without one (Workers), /metrics says where to look instead.
 */
export interface Metrics {
  request(labels: { method: string; route: string; status: number }, seconds: number): void;
  events(site: string, accepted: number, refusedReasons: string[]): void;
  /** The Prometheus text exposition. */
  render(): Promise<{ contentType: string; body: string }>;
}
