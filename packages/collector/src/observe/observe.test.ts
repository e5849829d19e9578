import { connect } from 'node:net';
import { describe, expect, it } from 'vitest';
import { createApp } from '../app.ts';
import { devConfig } from '../config.ts';
import { listen } from '../runtime/node.ts';
import { createNodeMetrics } from '../runtime/node-metrics.ts';
import { createSqliteStorage } from '../storage/sqlite/index.ts';
import { ADMIN_TOKEN, SHOP_KEY, testApp, trackEvent } from '../../test/support/app.ts';
import { captureLog } from '../../test/support/log.ts';

const granted = { consent: { policyVersion: '1', categories: { necessary: true, analytics: true, marketing: false } } };

describe('access log', () => {
  it('writes one line per request: method, route, status, site, duration, request ID, and the address as the ip setting allows', async () => {
    const { log, lines } = captureLog();
    const t = await testApp({ log, addresses: true });
    const res = await t.post(
      '/v1/batch',
      { batch: [trackEvent('m1')] },
      { ...t.basic(SHOP_KEY), 'X-Test-Address': '203.0.113.77' },
    );
    expect(res.status).toBe(200);
    await t.admin('/v1/persons/anonymous/anon-1?site=shop');

    expect(lines).toHaveLength(2);
    expect(lines[0]).toEqual({
      level: 'info',
      msg: 'request',
      method: 'POST',
      route: '/v1/batch',
      status: 200,
      site: 'shop',
      durationMs: expect.any(Number),
      requestId: res.headers.get('x-request-id'),
      ip: '203.0.113.0',
    });
    expect(lines[1]).toMatchObject({ method: 'GET', route: '/v1/persons/:kind/:id', status: 200 });
  });

  it('keeps no address in the log when the ip setting drops it', async () => {
    const { log, lines } = captureLog();
    const t = await testApp({ log, addresses: true, ip: 'drop' });
    await t.post(
      '/v1/batch',
      { batch: [trackEvent('m1')] },
      { ...t.basic(SHOP_KEY), 'X-Test-Address': '203.0.113.77' },
    );
    expect(lines).toHaveLength(1);
    expect(lines[0]).not.toHaveProperty('ip');
    expect(JSON.stringify(lines)).not.toContain('203.0.113');
  });

  it('warns of a refused origin and an unknown write key, once a minute each however often they come', async () => {
    const { log, lines } = captureLog();
    const t = await testApp({ log });
    for (let i = 0; i < 6; i++) {
      await t.post(
        '/v1/batch',
        { batch: [trackEvent(`o${i}`)] },
        { ...t.basic(SHOP_KEY), Origin: 'https://shop-staging.example' },
      );
      await t.post('/v1/batch', { batch: [trackEvent(`k${i}`)], writeKey: 'typo-in-the-key' });
    }
    const warnings = lines.filter((line) => line.level === 'warn');
    expect(warnings).toEqual([
      expect.objectContaining({
        refused: 'forbidden_origin',
        origin: 'https://shop-staging.example',
        route: '/v1/batch',
        msg: expect.stringMatching(/add it to the site's "origins"/),
      }),
      expect.objectContaining({
        refused: 'unauthorized',
        writeKey: 'typo-i…',
        msg: expect.stringMatching(/Unknown write key/),
      }),
    ]);
    expect(lines.filter((line) => line.level === 'info')).toHaveLength(12);
  });

  it('logs a client that hangs up mid-upload as one line, not an error', async () => {
    const { log, lines } = captureLog();
    const storage = createSqliteStorage({ path: ':memory:' });
    await storage.migrate();
    const app = createApp({ storage, config: devConfig(), adminToken: ADMIN_TOKEN, sdkScript: '', sdkBanner: '', log });
    const server = await listen(app.fetch, { port: 0, host: '127.0.0.1' });
    const errors: unknown[] = [];
    const originalError = console.error;
    console.error = (...args: unknown[]) => errors.push(args);
    try {
      await new Promise<void>((resolve) => {
        const socket = connect(Number(new URL(server.url).port), '127.0.0.1', () => {
          socket.write(
            `POST /v1/batch HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nAuthorization: Basic ${btoa('dev:')}\r\nContent-Length: 5000\r\n\r\n{"batch":[`,
          );
          setTimeout(() => {
            socket.destroy();
            resolve();
          }, 200);
        });
      });
      await server.close();
    } finally {
      console.error = originalError;
      await storage.close();
    }
    expect(errors).toEqual([]);
    expect(lines).toEqual([
      expect.objectContaining({
        level: 'info',
        hungUp: true,
        method: 'POST',
        route: '/v1/batch',
        msg: 'client hung up before the request was read',
      }),
    ]);
  });
});

describe('/metrics', () => {
  it('answers only with the admin token', async () => {
    const t = await testApp({ metrics: createNodeMetrics() });
    expect((await t.app.request('/metrics')).status).toBe(401);
    expect((await t.admin('/metrics', 'wrong-token')).status).toBe(401);
    expect((await t.admin('/metrics')).status).toBe(200);
  });

  it('counts requests by route and status, events accepted and refused by reason, and times storage', async () => {
    const metrics = createNodeMetrics();
    const t = await testApp({ metrics });
    const timed = metrics.timed(t.storage);
    await t.post(
      '/v1/batch',
      { batch: [trackEvent('m1'), trackEvent('m2'), { type: 'track', messageId: 'bad' }] },
      t.basic(SHOP_KEY),
    );
    await t.post(
      '/v1/batch',
      { batch: [trackEvent('m3', { context: { consent: { policyVersion: '1', categories: { analytics: false } } } })] },
      { ...t.basic(SHOP_KEY), Origin: 'https://shop.example' },
    );
    await t.post('/v1/batch', { batch: [] }, { Authorization: `Basic ${btoa('nope:')}` });
    await timed.person('shop', { kind: 'anonymous', id: 'anon-1' });
    metrics.watchForwarding(t.storage, ['webhook:crm']);

    const res = await t.admin('/metrics');
    expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    const text = await res.text();
    expect(text).toContain('kith_requests_total{method="POST",route="/v1/batch",status="200"} 2');
    expect(text).toContain('kith_requests_total{method="POST",route="/v1/batch",status="401"} 1');
    expect(text).toContain('kith_events_accepted_total{site="shop"} 2');
    expect(text).toMatch(/kith_events_refused_total\{site="shop",reason="[a-z_]+"\} 1/);
    expect(text).toContain('kith_events_refused_total{site="shop",reason="no_consent"} 1');
    expect(text).toContain('kith_storage_seconds_count{operation="person",outcome="ok"} 1');
    expect(text).toContain('kith_forward_lag_seconds{destination="webhook:crm"}');
    expect(text).toContain('kith_forward_dead_letters{destination="webhook:crm"} 0');
    expect(text).toContain('kith_request_seconds_bucket{le="0.001",route="/v1/batch"}');
  });

  it('reports a forwarding destination that falls behind', async () => {
    const metrics = createNodeMetrics();
    const t = await testApp({ metrics, clock: () => new Date(Date.now() - 90_000) });
    await t.post('/v1/batch', { batch: [trackEvent('m1', { context: granted })] }, t.basic(SHOP_KEY));
    metrics.watchForwarding(t.storage, ['nats']);
    const text = await (await t.admin('/metrics')).text();
    const lag = Number(text.match(/kith_forward_lag_seconds\{destination="nats"\} ([\d.]+)/)?.[1]);
    expect(lag).toBeGreaterThanOrEqual(89);
  });
});
