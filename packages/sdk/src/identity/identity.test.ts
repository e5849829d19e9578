import { afterEach, expect, it } from 'vitest';
import { cookies, resetPage } from '../testing.ts';
import { createIdentity } from './identity.ts';

afterEach(resetPage);

it('has no ID and touches no cookie until persisted', () => {
  const identity = createIdentity();
  identity.identify('user-1');

  expect(identity.anonymousId()).toBeUndefined();
  expect(document.cookie).toBe('');
});

it('keeps a random anonymous ID in kith_aid for 13 months and finds it on the next page', async () => {
  const first = createIdentity();
  first.persist();
  const next = createIdentity();
  next.persist();

  expect(first.anonymousId()).toMatch(/^[0-9a-f-]{36}$/);
  expect(next.anonymousId()).toBe(first.anonymousId());
  const [cookie] = await cookies();
  expect(cookie).toMatchObject({ name: 'kith_aid', value: first.anonymousId(), path: '/', sameSite: 'Lax' });
  expect(cookie!.expires - Date.now() / 1000).toBeCloseTo(34128000, -1);
});

it('keeps the user ID in kith_uid, encoded', () => {
  const first = createIdentity();
  first.persist();
  first.identify('jo@example.com; x');
  const next = createIdentity();
  next.persist();

  expect(document.cookie).toContain('kith_uid=jo%40example.com%3B%20x');
  expect(next.userId()).toBe('jo@example.com; x');
});

it('forgetting takes both IDs off the device', () => {
  const identity = createIdentity();
  identity.persist();
  identity.identify('user-1');
  identity.forget();

  expect(identity.anonymousId()).toBeUndefined();
  expect(document.cookie).toBe('');
});
