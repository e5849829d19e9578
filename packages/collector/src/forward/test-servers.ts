// Real servers on loopback for the forwarding tests: nats-server with JetStream, and a webhook receiver.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer as createHttpServer, type Server } from 'node:http';
import { freePort } from '../throwaway-postgres.ts';
import { verifySignature } from './test-webhook-outbound.ts';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inject } from 'vitest';
import type { StoredEvent } from '../storage/storage.ts';

export interface NatsServer {
  url: string;
  /** SIGKILL: no shutdown, no flush, as a crash. */
  kill(): Promise<void>;
  /** Starts it again on the same port and store folder. */
  restart(): Promise<void>;
  /** Stops it for good and removes its store. */
  stop(): Promise<void>;
}

/** `nats-server -js` on a free loopback port with a store folder of its own (test-nats.ts found the program). */
export async function startNatsServer(): Promise<NatsServer> {
  const bin = inject('natsServer');
  const port = await freePort();
  const store = mkdtempSync(join(tmpdir(), 'kith-nats-'));
  let child: ChildProcess | undefined;

  const start = () =>
    new Promise<void>((resolve, reject) => {
      const server = spawn(bin, ['-js', '-a', '127.0.0.1', '-p', String(port), '-sd', store], { stdio: ['ignore', 'ignore', 'pipe'] });
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

export interface WebhookRequest {
  /** What the receiver answered. */
  status: number;
  /** The signature checked out with node:crypto, as the receiver snippet in docs/deploy.md does it. */
  signed: boolean;
  idempotencyKey: string | undefined;
  batch: StoredEvent[];
}

export interface WebhookReceiver {
  url: string;
  /** Every request, in the order received. */
  requests: WebhookRequest[];
  /** Events of the requests answered 2xx, in the order received (a resend appears twice). */
  delivered(): StoredEvent[];
  /** The answer to the next requests: a status, or a function choosing one. */
  answer: number | (() => number | { status: number; headers: Record<string, string> });
  /** Most requests in progress at once. */
  maxConcurrent: number;
  /** Closes the port: connections are refused until `reopen`. */
  close(): Promise<void>;
  reopen(): Promise<void>;
}

/** A node:http receiver on 127.0.0.1 that verifies X-Kith-Signature and records what it was sent. */
export async function startWebhookReceiver(secret: string): Promise<WebhookReceiver> {
  let port = 0;
  let server: Server | undefined;
  let inFlight = 0;
  const receiver: WebhookReceiver = {
    url: '',
    requests: [],
    delivered: () => receiver.requests.filter((r) => r.status < 300).flatMap((r) => r.batch),
    answer: 200,
    maxConcurrent: 0,
    close: () =>
      new Promise((resolve) => {
        if (!server) return resolve();
        server.close(() => resolve());
        server.closeAllConnections();
        server = undefined;
      }),
    reopen: () => listen(),
  };

  const listen = () =>
    new Promise<void>((resolve, reject) => {
      server = createHttpServer(async (req, res) => {
        inFlight++;
        receiver.maxConcurrent = Math.max(receiver.maxConcurrent, inFlight);
        const chunks: Buffer[] = [];
        for await (const chunk of req) chunks.push(chunk as Buffer);
        const body = Buffer.concat(chunks).toString('utf8');
        const chosen = typeof receiver.answer === 'function' ? receiver.answer() : receiver.answer;
        const { status, headers } = typeof chosen === 'number' ? { status: chosen, headers: {} } : chosen;
        const signed = verifySignature(secret, req.headers['x-kith-timestamp'], req.headers['x-kith-signature'], body);
        receiver.requests.push({
          status: signed ? status : 401,
          signed,
          idempotencyKey: req.headers['idempotency-key'] as string | undefined,
          batch: (JSON.parse(body) as { batch: StoredEvent[] }).batch,
        });
        inFlight--;
        res.writeHead(signed ? status : 401, headers).end();
      });
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => {
        const address = server?.address();
        if (typeof address === 'object' && address) port = address.port;
        receiver.url = `http://127.0.0.1:${port}/kith-events`;
        resolve();
      });
    });

  await listen();
  return receiver;
}

/** Polls until `check` holds, or fails after `timeoutMs`. */
export async function eventually(check: () => boolean | Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
