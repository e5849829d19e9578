import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { createApp } from '../app.ts';
import { devConfig } from '../config.ts';
import { createSqliteStorage } from '../storage/sqlite/index.ts';
import { ADMIN_TOKEN } from '../../test/support/app.ts';

async function collectorOnFile() {
  const dir = mkdtempSync(join(tmpdir(), 'kith-ready-'));
  const data = join(dir, 'data');
  const storage = createSqliteStorage({ path: join(data, 'kith.db') });
  onTestFinished(async () => {
    await storage.close();
    rmSync(dir, { recursive: true, force: true });
  });
  await storage.migrate();
  const app = createApp({ storage, config: devConfig(), adminToken: ADMIN_TOKEN, sdkScript: '', sdkBanner: '' });
  const send = (messageId: string) =>
    app.request('/v1/batch', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ writeKey: 'dev', batch: [{ type: 'track', event: 'x', anonymousId: 'a', messageId }] }),
    });
  return { app, data, send };
}

describe('GET /readyz', () => {
  it('answers 200 while storage takes writes', async () => {
    const { app } = await collectorOnFile();
    const res = await app.request('/readyz');
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ ok: true });
  });

  it('answers 503 once the data folder is deleted under the running collector, and writes answer 503 instead of 200 into the deleted file', async () => {
    const { app, data, send } = await collectorOnFile();
    expect((await send('before')).status).toBe(200);
    rmSync(data, { recursive: true, force: true });

    const ready = await app.request('/readyz');
    expect(ready.status).toBe(503);
    expect(ready.headers.get('retry-after')).toBe('5');
    expect(await ready.json()).toMatchObject({
      ok: false,
      error: 'storage_unavailable',
      message: expect.stringMatching(/kith\.db was deleted while the collector ran/),
    });

    const write = await send('after');
    expect(write.status).toBe(503);
    expect(write.headers.get('retry-after')).toBe('5');
    expect(await write.json()).toMatchObject({ ok: false, error: 'storage_unavailable' });
    // The process itself still runs: liveness is not readiness.
    expect((await app.request('/healthz')).status).toBe(200);
  });
});
