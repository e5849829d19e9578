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
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    // Test files share the page's origin and so its cookies: one at a time.
    fileParallelism: false,
    // What a test waits for in another tab (a navigation, a cookie) can take over the default second
    // on a busy machine; a poll still ends as soon as it holds.
    expect: { poll: { timeout: 5000 } },
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
