import { describe, expect, it } from 'vitest';
import { correctTimestamp, createEnricher, type Arrival } from './enrich.ts';
import type { KithEvent } from '@kith/sdk/contract';

const enrich = (event: KithEvent, arrival: Arrival) => createEnricher(arrival)(event);

const receivedAt = new Date('2026-06-01T12:00:00.000Z');

describe('correctTimestamp', () => {
  it('removes the client clock skew measured between sentAt and receivedAt', () => {
    // Client clock 1 hour ahead: it claims it sent at 13:00 what we received at 12:00.
    const sentAt = new Date('2026-06-01T13:00:00.000Z');
    expect(correctTimestamp('2026-06-01T12:58:00.000Z', { receivedAt, sentAt }).toISOString()).toBe(
      '2026-06-01T11:58:00.000Z',
    );
  });

  it('keeps the client time when there is no sentAt to measure skew', () => {
    expect(correctTimestamp('2026-06-01T11:00:00.000Z', { receivedAt }).toISOString()).toBe('2026-06-01T11:00:00.000Z');
  });

  it('clamps a timestamp in the future to the time it arrived', () => {
    expect(correctTimestamp('2030-01-01T00:00:00.000Z', { receivedAt }).toISOString()).toBe(receivedAt.toISOString());
  });

  it('uses receivedAt when the client sent no timestamp', () => {
    expect(correctTimestamp(undefined, { receivedAt })).toEqual(receivedAt);
  });
});

describe('enrich', () => {
  const iphone =
    'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1';
  const event = { type: 'page' as const, messageId: 'm', anonymousId: 'a', context: { userAgent: iphone } };

  it('adds the truncated client address, the parsed user agent and the edge geo to the context', () => {
    const stored = enrich(event, {
      site: 's',
      receivedAt,
      ipMode: 'truncate',
      clientAddress: '198.51.100.23',
      geo: { country: 'DE', city: 'Berlin' },
    });
    expect(stored.context).toEqual({
      userAgent: iphone,
      ip: '198.51.100.0',
      browser: { name: 'Mobile Safari', version: '17.5' },
      os: { name: 'iOS', version: '17.5' },
      device: { type: 'mobile', manufacturer: 'Apple', model: 'iPhone' },
      location: { country: 'DE', city: 'Berlin' },
    });
    expect(stored).toMatchObject({
      site: 's',
      receivedAt: receivedAt.toISOString(),
      timestamp: receivedAt.toISOString(),
    });
  });

  it('prefers the visitor address a server-side sender put in context.ip, and drops it when told', () => {
    const forwarded = { ...event, context: { ip: '2001:db8:85a3:1:2:3:4:5' } };
    expect(
      enrich(forwarded, { site: 's', receivedAt, ipMode: 'truncate', clientAddress: '10.0.0.1' }).context?.ip,
    ).toBe('2001:db8:85a3::');
    expect(
      enrich(forwarded, { site: 's', receivedAt, ipMode: 'drop', clientAddress: '10.0.0.1' }).context,
    ).not.toHaveProperty('ip');
  });

  it('keeps what a client library set itself', () => {
    const mobile = { ...event, context: { userAgent: iphone, device: { type: 'tablet', model: 'Own' } } };
    expect(enrich(mobile, { site: 's', receivedAt, ipMode: 'keep' }).context?.device).toEqual({
      type: 'tablet',
      model: 'Own',
    });
  });
});
