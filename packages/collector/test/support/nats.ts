// nats-server with JetStream on loopback, one per test, for the forwarding tests.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inject } from 'vitest';
import { freePort } from './ports.ts';

export interface NatsServer {
  url: string;
  /** SIGKILL: no shutdown, no flush, as a crash. */
  kill(): Promise<void>;
  /** Starts it again on the same port and store folder. */
  restart(): Promise<void>;
  /** Stops it for good and removes its store. */
  stop(): Promise<void>;
}

/** `nats-server -js` on a free loopback port with a store folder of its own (nats-setup.ts found the program). */
export async function startNatsServer(): Promise<NatsServer> {
  const bin = inject('natsServer');
  const port = await freePort();
  const store = mkdtempSync(join(tmpdir(), 'kith-nats-'));
  let child: ChildProcess | undefined;

  const start = () =>
    new Promise<void>((resolve, reject) => {
      const server = spawn(bin, ['-js', '-a', '127.0.0.1', '-p', String(port), '-sd', store], {
        stdio: ['ignore', 'ignore', 'pipe'],
      });
      child = server;
      let output = '';
      server.stderr?.on('data', (chunk) => {
        output += chunk;
        if (output.includes('Server is ready')) resolve();
      });
      server.once('exit', (code) => reject(new Error(`nats-server exited with ${code}:\n${output}`)));
    });
  const end = async (signal: NodeJS.Signals) => {
    const server = child;
    child = undefined;
    if (!server || server.exitCode !== null || server.signalCode !== null) return;
    const exited = new Promise((resolve) => server.once('exit', resolve));
    server.kill(signal);
    await exited;
  };

  await start();
  return {
    url: `nats://127.0.0.1:${port}`,
    kill: () => end('SIGKILL'),
    restart: start,
    async stop() {
      await end('SIGTERM');
      rmSync(store, { recursive: true, force: true });
    },
  };
}
