import { defineConfig } from 'vitest/config';

// Each project keeps its own config beside its code: the SDK runs in real Chromium,
// the collector in Node and in workerd (the Workers runtime), e2e drives Chromium against a running collector.
export default defineConfig({
  test: {
    projects: ['packages/sdk', 'packages/collector', 'packages/collector/vitest.workers.config.ts', 'e2e'],
  },
});
