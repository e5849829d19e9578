import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { eventually } from '../../test/support/eventually.ts';
import { startWebhookReceiver } from '../../test/support/webhook-receiver.ts';

const KITH = fileURLToPath(new URL('../cli.ts', import.meta.url));
const SECRET = 'serve-test-secret-0123456789';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

describe('kith serve with forwarders', () => {
  it('forwards what it stores to the webhook of KITH_WEBHOOK_URL, and on SIGTERM stops forwarding, lets its lease go and exits 0', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kith-serve-forward-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const receiver = await startWebhookReceiver(SECRET);
    cleanups.push(() => receiver.close());
    writeFileSync(
      join(dir, 'kith.config.json'),
      JSON.stringify({
        sites: [{ id: 'shop', writeKey: 'shop-key', origins: ['https://shop.example'] }],
        forward: { pollMs: 20, retry: { initialMs: 20, maxMs: 200 } },
      }),
    );
    const db = join(dir, 'kith.db');
    const child = spawn(
      process.execPath,
      [KITH, 'serve', '--port', '0', '--host', '127.0.0.1', '--storage', `sqlite:${db}`],
      {
        cwd: dir,
        env: {
          ...process.env,
          KITH_ADMIN_TOKEN: 'serve-admin-token-01',
          KITH_WEBHOOK_URL: receiver.url,
          KITH_WEBHOOK_SECRET: SECRET,
        },
      },
    );
    const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
    cleanups.push(() => void child.kill('SIGKILL'));
    let output = '';
    const url = await new Promise<string>((resolve, reject) => {
      child.stdout.on('data', (chunk) => {
        output += chunk;
        const match = output.match(/collector on (http:\/\/\S+)/);
        if (match?.[1]) resolve(match[1]);
      });
      child.stderr.on('data', (chunk) => (output += chunk));
      void exited.then(() => reject(new Error(output)));
    });
    expect(output).toMatch(/forwarding stored events to webhook:webhook/);

    const batch = Array.from({ length: 30 }, (_, i) => ({
      type: 'track',
      event: 'Served',
      messageId: `s-${i}`,
      anonymousId: 'anon-s',
    }));
    const res = await fetch(`${url}/v1/batch`, {
      method: 'POST',
      headers: { Authorization: `Basic ${btoa('shop-key:')}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ batch }),
    });
    expect(await res.json()).toMatchObject({ ok: true, accepted: 30 });
    await eventually(() => receiver.delivered().length >= 30, 5000, 'the events at the receiver');
    expect(receiver.delivered().map((e) => e.messageId)).toEqual(batch.map((e) => e.messageId));

    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    const file = new DatabaseSync(db, { readOnly: true });
    cleanups.push(() => file.close());
    expect(file.prepare('select destination, owner from forward_cursors').all()).toEqual([
      { destination: 'webhook:webhook', owner: null },
    ]);
  });
});
