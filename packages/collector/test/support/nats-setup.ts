import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';

declare module 'vitest' {
  export interface ProvidedContext {
    /** The nats-server program: the forwarding tests start their own servers with it (nats.ts). */
    natsServer: string;
  }
}

/**
 * vitest globalSetup: finds Debian's `nats-server` (or KITH_TEST_NATS_SERVER) once, and checks that
 * it runs. Each NATS test starts a server of its own on loopback, as it kills and restarts it.
 */
export default function findNatsServer(project: TestProject): void {
  const given = process.env.KITH_TEST_NATS_SERVER;
  const folders = [...(process.env.PATH ?? '').split(':'), '/usr/sbin', '/usr/bin', '/usr/local/bin'].filter(
    (folder) => folder !== '',
  );
  const bin = given ?? folders.map((folder) => join(folder, 'nats-server')).find((path) => existsSync(path));
  if (!bin) {
    throw new Error(
      'The collector tests need nats-server (JetStream), found none on PATH. Run `bash .ci/setup test` to install it ' +
        '(Debian package "nats-server"), or set KITH_TEST_NATS_SERVER to the program.',
    );
  }
  try {
    execFileSync(bin, ['--version'], { stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (error) {
    throw new Error(`${bin} does not run (${(error as Error).message}); reinstall it with \`bash .ci/setup test\`.`, {
      cause: error,
    });
  }
  project.provide('natsServer', bin);
}
