import { afterEach, describe, expect, it } from 'vitest';
import { cookies, resetPage } from '../../test/support.ts';
import { createIdentity, type Identity } from './identity.ts';

afterEach(resetPage);

it('has no ID and touches no cookie until persisted', () => {
  const identity = createIdentity(() => undefined);
  identity.identify('user-1');

  expect(identity.anonymousId()).toBeUndefined();
  expect(document.cookie).toBe('');
});

it('keeps a random anonymous ID in kith_aid for 13 months and finds it on the next page', async () => {
  const first = createIdentity(() => undefined);
  first.persist();
  const next = createIdentity(() => undefined);
  next.persist();

  expect(first.anonymousId()).toMatch(/^[0-9a-f-]{36}$/);
  expect(next.anonymousId()).toBe(first.anonymousId());
  const [cookie] = await cookies();
  expect(cookie).toMatchObject({ name: 'kith_aid', value: first.anonymousId(), path: '/', sameSite: 'Lax' });
  expect(cookie!.expires - Date.now() / 1000).toBeCloseTo(34128000, -1);
});

it('keeps the user ID in kith_uid, encoded', () => {
  const first = createIdentity(() => undefined);
  first.persist();
  first.identify('jo@example.com; x');
  const next = createIdentity(() => undefined);
  next.persist();

  expect(document.cookie).toContain('kith_uid=jo%40example.com%3B%20x');
  expect(next.userId()).toBe('jo@example.com; x');
});

it('forgetting takes both IDs off the device', () => {
  const identity = createIdentity(() => undefined);
  identity.persist();
  identity.identify('user-1');
  identity.forget();

  expect(identity.anonymousId()).toBeUndefined();
  expect(document.cookie).toBe('');
});

it('on reset forgets the user and starts a new anonymous ID, offered to the collector for no restore', () => {
  document.cookie = 'kith_aid=old-id;path=/';
  const identity = createIdentity(() => undefined);
  identity.persist();
  identity.identify('user-1');
  identity.reset();

  expect(identity.anonymousId()).toMatch(/^[0-9a-f-]{36}$/);
  expect(identity.anonymousId()).not.toBe('old-id');
  expect(identity.userId()).toBeUndefined();
  expect(document.cookie).toBe(`kith_aid=${identity.anonymousId()}`);
  expect(identity.restore()).toBeUndefined();
});

describe('restore', () => {
  it('is offered for an ID made for want of a cookie, until the collector answered, and its answer is adopted', () => {
    const identity = createIdentity(() => undefined);
    identity.persist();
    const made = identity.anonymousId()!;
    expect(identity.restore()).toBe(made);
    identity.restored(made, { anonymousId: 'surviving-id' });

    expect(identity.restore()).toBeUndefined();
    expect(identity.anonymousId()).toBe('surviving-id');
    expect(document.cookie).toBe('kith_aid=surviving-id');
  });

  it('is not offered for an ID found in the cookie', () => {
    document.cookie = 'kith_aid=kept-id;path=/';
    const identity = createIdentity(() => undefined);
    identity.persist();

    expect(identity.restore()).toBeUndefined();
  });

  it('ends with an answer that knows no earlier ID, keeping the new one', () => {
    const identity = createIdentity(() => undefined);
    identity.persist();
    const made = identity.anonymousId()!;
    identity.restored(made, {});

    expect(identity.restore()).toBeUndefined();
    expect(identity.anonymousId()).toBe(made);
  });

  it.each([
    ['reset', (identity: Identity) => identity.reset()],
    ['withdrawal', (identity: Identity) => identity.forget()],
  ])('is neither offered nor adopted after a %s', (_, end) => {
    const identity = createIdentity(() => undefined);
    identity.persist();
    const made = identity.anonymousId()!;
    end(identity);
    identity.persist();
    identity.restored(made, { anonymousId: 'previous-person' });

    expect(identity.restore()).toBeUndefined();
    expect(identity.anonymousId()).not.toBe('previous-person');
  });
});
