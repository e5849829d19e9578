/// <reference types="@cloudflare/vitest-plugin/types" />
import { createExecutionContext, env } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import worker, { type WorkersEnv } from '../runtime/workers.ts';
import { MAX_BATCH_BYTES } from './ingest.ts';

const SHOP_KEY = 'gzip-shop-key';
const testEnv: WorkersEnv = {
  ...(env as unknown as WorkersEnv),
  KITH_CONFIG: JSON.stringify({ sites: [{ id: 'gzip-shop', writeKey: SHOP_KEY, origins: ['https://shop.example'] }] }),
  KITH_SECRET: 'worker-test-secret',
};

/** `text` followed by `blanks` spaces, gzipped by workerd's own CompressionStream. */
async function gzip(text: string, blanks = 0): Promise<Uint8Array> {
  const stream = new ReadableStream<Uint8Array>({
    start(controller) {
      controller.enqueue(new TextEncoder().encode(text));
      const chunk = new Uint8Array(64 * 1024).fill(0x20);
      for (let written = 0; written < blanks; written += chunk.length) controller.enqueue(chunk);
      controller.close();
    },
  });
  return new Uint8Array(await new Response(stream.pipeThrough(new CompressionStream('gzip'))).arrayBuffer());
}

const postGzipped = (body: Uint8Array) =>
  worker.fetch(
    new Request('https://shop.example/v1/batch', {
      method: 'POST',
      body,
      headers: {
        'Content-Type': 'application/json',
        'Content-Encoding': 'gzip',
        Authorization: `Basic ${btoa(`${SHOP_KEY}:`)}`,
      },
    }),
    testEnv,
    createExecutionContext(),
  );

describe('gzipped bodies in the Worker', () => {
  it('inflates a gzipped batch and stores it', async () => {
    const event = { type: 'track', messageId: 'wk-gz-1', anonymousId: 'wk-gz', event: 'Viewed' };
    const res = await postGzipped(await gzip(JSON.stringify({ batch: [event] })));
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ ok: true, accepted: 1 });
  });

  it('refuses a few KB that inflate past the limit with 413', async () => {
    const bomb = await gzip('{"batch":[', 20 * MAX_BATCH_BYTES);
    expect(bomb.byteLength).toBeLessThan(40 * 1024);
    const res = await postGzipped(bomb);
    expect(res.status).toBe(413);
    expect(await res.json()).toMatchObject({ ok: false, error: 'payload_too_large' });
  });

  it('answers malformed gzip with 400 invalid_gzip', async () => {
    const res = await postGzipped(new TextEncoder().encode('not gzip at all'));
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ ok: false, error: 'invalid_gzip' });
  });
});
