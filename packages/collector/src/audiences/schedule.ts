// On Node, audiences run beside the collector: windows that run out are looked at every second, and
// on start every person is evaluated once, so changes due while the collector was down are made.
import type { KithConfig } from '../config.ts';
import type { Storage } from '../storage/storage.ts';
import { createAudienceEngine, type AudienceEngine } from './engine.ts';

export const DUE_CHECK_MS = 1000;

/** The engine and its timer; undefined when no site defines anything. */
export function startAudiences(
  storage: Storage,
  config: KithConfig,
  clock?: () => Date,
): { engine: AudienceEngine; stop(): Promise<void> } | undefined {
  const engine = createAudienceEngine({ storage, config, ...(clock ? { clock } : {}) });
  const sites = config.sites.filter((site) => engine.definitions(site.id));
  if (sites.length === 0) return undefined;
  let stopped = false;
  const report = (error: unknown) => console.error('kith: audiences', error);
  const started = (async () => {
    for (const site of sites) if (!stopped) await engine.rebuild(site.id);
  })().catch(report);
  const timer = setInterval(() => void started.then(() => engine.runDue()).catch(report), DUE_CHECK_MS);
  timer.unref();
  return {
    engine,
    async stop() {
      stopped = true;
      clearInterval(timer);
      await started;
      await engine.settled();
    },
  };
}
