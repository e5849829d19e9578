import { playwright } from '@vitest/browser-playwright';
import { defineProject } from 'vitest/config';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from '../../e2e/chromium.ts';
import { scriptBundle } from './build.ts';
import { browserCommands } from './test/commands.ts';

export default defineProject({
  define: scriptBundle.define,
  // Pre-bundled up front: found mid-run, Vite would reload the page under a running test.
  optimizeDeps: { include: ['axe-core'] },
  test: {
    name: 'sdk',
    include: ['src/**/*.test.ts'],
    // Test files share the page's origin and so its cookies: one at a time.
    fileParallelism: false,
    // Known test-isolation gap: an SDK instance from an earlier test in the same page can still be
    // mid-drain (awaiting IndexedDB or fetch) when the next test starts, and send that test's
    // stored events too. Seen only under load (2 of 6 full runs). Until teardown can stop such
    // instances, a failed test is retried once in a fresh state; a real bug fails both times.
    retry: 1,
    browser: {
      enabled: true,
      headless: true,
      screenshotFailures: false,
      provider: playwright({ launchOptions: { executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS } }),
      instances: [{ browser: 'chromium' }],
      commands: browserCommands,
    },
  },
});
