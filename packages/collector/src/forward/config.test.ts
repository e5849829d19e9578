import { describe, expect, it } from 'vitest';
import { ConfigError, parseConfig, withForwardEnv } from '../config.ts';

const sites = [{ id: 'shop', writeKey: 'shop-key', origins: ['https://shop.example'] }];
const webhook = { id: 'crm', url: 'https://hooks.example/kith', secret: 'a-long-enough-secret' };

describe('forward config', () => {
  it('has no forwarders unless asked, and fills in the defaults of those asked for', () => {
    expect(parseConfig({ sites }).forward).toBeUndefined();
    expect(
      parseConfig({ sites, forward: { nats: { servers: 'nats://a:4222, nats://b:4222' }, webhooks: [webhook] } })
        .forward,
    ).toEqual({
      nats: {
        servers: ['nats://a:4222', 'nats://b:4222'],
        stream: 'KITH',
        subjectPrefix: 'kith',
        duplicateWindowSeconds: 120,
        ackTimeoutMs: 5000,
      },
      webhooks: [{ ...webhook, maxAttempts: 100, timeoutMs: 10_000 }],
      batchSize: 100,
      pollMs: 1000,
      retry: { initialMs: 1000, maxMs: 60_000 },
    });
  });

  it.each([
    [{ nats: { servers: [] } }, /forward\.nats\.servers: needs at least one server/],
    [
      { nats: { servers: 'nats://a', subjectPrefix: 'kith.>' } },
      /forward\.nats\.subjectPrefix: must be subject tokens/,
    ],
    [{ nats: { servers: 'nats://a', stream: 'kith events' } }, /forward\.nats\.stream: must be a stream name/],
    [
      { webhooks: [{ ...webhook, secret: 'short' }] },
      /forward\.webhooks\.0\.secret: must be at least 16 characters; make one with "openssl rand -hex 32"/,
    ],
    [
      { webhooks: [{ ...webhook, url: 'ftp://hooks.example' }] },
      /forward\.webhooks\.0\.url: must be an http:\/\/ or https:\/\/ URL/,
    ],
    [{ webhooks: [{ ...webhook, maxAttempts: 0 }] }, /forward\.webhooks\.0\.maxAttempts: must be at least 1/],
    [{ webhooks: [webhook, webhook] }, /forward\.webhooks: each webhook needs its own id/],
    [{ batchSize: 5000 }, /forward\.batchSize: must be at most 1000/],
  ])('refuses %j and names the field and the fix', (forward, message) => {
    expect(() => parseConfig({ sites, forward })).toThrow(ConfigError);
    expect(() => parseConfig({ sites, forward })).toThrow(message);
  });

  it('takes NATS servers and a webhook from the environment, over the config', () => {
    const config = parseConfig({
      sites,
      forward: { nats: { servers: 'nats://config:4222', stream: 'EVENTS' }, webhooks: [webhook] },
    });
    const env = {
      KITH_NATS_URL: 'nats://env:4222',
      KITH_NATS_TOKEN: 't0k3n',
      KITH_WEBHOOK_URL: 'https://env.example/hook',
      KITH_WEBHOOK_SECRET: 'env-secret-0123456789',
    };
    const forward = withForwardEnv(config, env).forward!;
    expect(forward.nats).toMatchObject({ servers: ['nats://env:4222'], stream: 'EVENTS', token: 't0k3n' });
    expect(forward.webhooks.map((w) => [w.id, w.url, w.secret])).toEqual([
      ['crm', webhook.url, webhook.secret],
      ['webhook', 'https://env.example/hook', 'env-secret-0123456789'],
    ]);
    expect(withForwardEnv(parseConfig({ sites }), {})).toEqual(parseConfig({ sites }));
  });

  it('says which variable to fix when the environment gives half a webhook', () => {
    expect(() => withForwardEnv(parseConfig({ sites }), { KITH_WEBHOOK_URL: 'https://env.example/hook' })).toThrow(
      /KITH_WEBHOOK_[\s\S]*forward\.webhooks\.0\.secret/,
    );
  });
});
