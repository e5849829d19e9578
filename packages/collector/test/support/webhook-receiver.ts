// A real webhook receiver on loopback for the forwarding tests.
import { createServer as createHttpServer, type Server } from 'node:http';
import type { StoredEvent } from '../../src/storage/storage.ts';
import { verifySignature } from './webhook-signature.ts';

export interface WebhookRequest {
  /** What the receiver answered. */
  status: number;
  /** The signature checked out with node:crypto, as the receiver snippet in docs/deploy.md does it. */
  signed: boolean;
  idempotencyKey: string | undefined;
  batch: StoredEvent[];
  /** When the request arrived (Date.now()), for latency checks. */
  at: number;
}

export interface WebhookReceiver {
  url: string;
  /** Every request, in the order received. */
  requests: WebhookRequest[];
  /** Events of the requests answered 2xx, in the order received (a resend appears twice). */
  delivered(): StoredEvent[];
  /** The answer to the next requests: a status, or a function choosing one. */
  answer: number | (() => number | { status: number; headers: Record<string, string> });
  /** While set, each answer waits for it: a delivery in flight, as long as the test wants. */
  answerAfter: Promise<void> | undefined;
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
    answerAfter: undefined,
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
        const at = Date.now();
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
          at,
        });
        await receiver.answerAfter;
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
