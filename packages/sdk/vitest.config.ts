import { playwright } from '@vitest/browser-playwright';
import { build } from 'esbuild';
import { defineProject } from 'vitest/config';
import type { BrowserCommand } from 'vitest/node';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from '../../e2e/chromium.ts';
import { scriptBundle } from './build.ts';

/** The script-tag bundle as build.ts makes it, so its test runs what ships. */
const bundleScript: BrowserCommand<[]> = async ({ project }) => {
  const { outputFiles } = await build({ ...scriptBundle, absWorkingDir: project.config.root, write: false });
  return outputFiles[0]!.text;
};

const cookies: BrowserCommand<[]> = ({ context }) => context.cookies();

export default defineProject({
  define: scriptBundle.define,
  test: {
    name: 'sdk',
    include: ['src/**/*.test.ts'],
    // Test files share the page's origin and so its cookies: one at a time.
    fileParallelism: false,
    browser: {
      enabled: true,
      headless: true,
      screenshotFailures: false,
      provider: playwright({ launchOptions: { executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS } }),
      instances: [{ browser: 'chromium' }],
      commands: { bundleScript, cookies },
    },
  },
});
