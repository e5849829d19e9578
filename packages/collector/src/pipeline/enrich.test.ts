import { describe, expect, it } from 'vitest';
import { correctTimestamp } from './enrich.ts';

const receivedAt = new Date('2026-06-01T12:00:00.000Z');

describe('correctTimestamp', () => {
  it('removes the client clock skew measured between sentAt and receivedAt', () => {
    // Client clock 1 hour ahead: it claims it sent at 13:00 what we received at 12:00.
    const sentAt = new Date('2026-06-01T13:00:00.000Z');
    expect(correctTimestamp('2026-06-01T12:58:00.000Z', { site: 's', receivedAt, sentAt }).toISOString()).toBe('2026-06-01T11:58:00.000Z');
  });

  it('keeps the client time when there is no sentAt to measure skew', () => {
    expect(correctTimestamp('2026-06-01T11:00:00.000Z', { site: 's', receivedAt }).toISOString()).toBe('2026-06-01T11:00:00.000Z');
  });

  it('clamps a timestamp in the future to the time it arrived', () => {
    expect(correctTimestamp('2030-01-01T00:00:00.000Z', { site: 's', receivedAt }).toISOString()).toBe(receivedAt.toISOString());
  });

  it('uses receivedAt when the client sent no timestamp', () => {
    expect(correctTimestamp(undefined, { site: 's', receivedAt })).toEqual(receivedAt);
  });
});
