import { createGzip, gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { SHOP_KEY, testApp, trackEvent } from '../../test/support/app.ts';
import { MAX_BATCH_BYTES } from './ingest.ts';

const basic = { Authorization: `Basic ${btoa(`${SHOP_KEY}:`)}` };
const gzipped = { ...basic, 'Content-Type': 'application/json', 'Content-Encoding': 'gzip' };

/** `inflated` bytes of JSON-looking text (a batch opened, then blanks) gzipped as a stream, so the test never holds them. */
async function gzipBomb(inflated: number): Promise<Uint8Array> {
  const gzip = createGzip({ level: 9 });
  const chunks: Buffer[] = [];
  gzip.on('data', (chunk: Buffer) => chunks.push(chunk));
  const ended = new Promise((resolve) => gzip.on('end', resolve));
  gzip.write('{"batch":[');
  const blanks = Buffer.alloc(1024 * 1024, ' ');
  for (let written = 0; written < inflated; written += blanks.length) {
    if (!gzip.write(blanks)) await new Promise((resolve) => gzip.once('drain', resolve));
  }
  gzip.end();
  await ended;
  return new Uint8Array(Buffer.concat(chunks));
}

describe('gzipped request bodies (RudderStack’s Node SDK sends every batch gzipped)', () => {
  it('inflates a gzipped batch and stores its events', async () => {
    const { app, admin } = await testApp();
    const body = gzipSync(JSON.stringify({ batch: [trackEvent('gz-1'), trackEvent('gz-2')] }));
    const res = await app.request('/v1/batch', { method: 'POST', headers: gzipped, body });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ ok: true, accepted: 2 });
    const events = (await (await admin('/v1/persons/anonymous/anon-1/events?site=shop')).json()) as {
      events: { messageId: string }[];
    };
    expect(events.events.map((e) => e.messageId).sort()).toEqual(['gz-1', 'gz-2']);
  });

  it('refuses a few KB that inflate past the limit with 413, keeping nothing', async () => {
    const { app, admin } = await testApp();
    const bomb = await gzipBomb(20 * MAX_BATCH_BYTES);
    expect(bomb.byteLength).toBeLessThan(20 * 1024);
    const res = await app.request('/v1/batch', { method: 'POST', headers: gzipped, body: bomb });
    expect(res.status).toBe(413);
    expect(await res.json()).toMatchObject({ ok: false, error: 'payload_too_large' });
    expect((await admin('/v1/persons/anonymous/anon-1?site=shop')).status).toBe(404);
  });

  it('stops inflating at the limit: a body that inflates to 400 MB does not raise the peak memory', async () => {
    const { app } = await testApp();
    const bomb = await gzipBomb(400 * 1024 * 1024);
    expect(bomb.byteLength).toBeLessThan(MAX_BATCH_BYTES);
    const peakBefore = process.resourceUsage().maxRSS * 1024;
    const res = await app.request('/v1/batch', { method: 'POST', headers: gzipped, body: bomb });
    expect(res.status).toBe(413);
    const growth = process.resourceUsage().maxRSS * 1024 - peakBefore;
    // Holding the inflated body would raise the peak by 400 MB; inflating stops after half a MB.
    expect(growth).toBeLessThan(64 * 1024 * 1024);
  });

  it('answers malformed or truncated gzip with 400 invalid_gzip', async () => {
    const { app } = await testApp();
    const whole = gzipSync(JSON.stringify({ batch: [trackEvent('gz-bad')] }));
    for (const body of [new TextEncoder().encode('{"batch":[]} is not gzip'), whole.subarray(0, whole.length - 12)]) {
      const res = await app.request('/v1/batch', { method: 'POST', headers: gzipped, body });
      expect(res.status).toBe(400);
      expect(await res.json()).toMatchObject({ ok: false, error: 'invalid_gzip', message: expect.any(String) });
    }
  });

  it('refuses any other Content-Encoding with 415 and a hint', async () => {
    const { app } = await testApp();
    const res = await app.request('/v1/batch', {
      method: 'POST',
      headers: { ...basic, 'Content-Type': 'application/json', 'Content-Encoding': 'br' },
      body: 'whatever',
    });
    expect(res.status).toBe(415);
    expect(await res.json()).toMatchObject({
      ok: false,
      error: 'unsupported_encoding',
      message: expect.stringContaining('gzip'),
    });
  });

  it('takes x-gzip, gzip’s old name, as gzip', async () => {
    const { app } = await testApp();
    const body = gzipSync(JSON.stringify({ batch: [trackEvent('x-gz')] }));
    const res = await app.request('/v1/batch', {
      method: 'POST',
      headers: { ...gzipped, 'Content-Encoding': 'x-gzip' },
      body,
    });
    expect(await res.json()).toMatchObject({ ok: true, accepted: 1 });
  });

  it('inflates a gzipped single event on a single-event path', async () => {
    const { app } = await testApp();
    const body = gzipSync(JSON.stringify(trackEvent('gz-single')));
    const res = await app.request('/v1/track', { method: 'POST', headers: gzipped, body });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ ok: true, accepted: 1 });
  });
});
