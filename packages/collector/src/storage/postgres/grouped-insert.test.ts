import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KithError } from '../../errors.ts';
import { event, set } from '../../../test/storage-conformance/subject.ts';
import { freshTestSchema, type TestSchema } from '../../../test/support/postgres-schema.ts';
import type { Storage } from '../storage.ts';
import { createPostgresStorage } from './index.ts';

// Returning browsers' batches that arrive together share one INSERT (grouped-insert.ts); what each
// request is told and what is stored must be as if each had its own.
describe('PostgreSQL: batches written at the same time', () => {
  let schema: TestSchema;
  let storage: Storage;

  const storedIds = async () => {
    const client = new pg.Client({ connectionString: schema.url });
    await client.connect();
    try {
      const { rows } = await client.query<{ message_id: string }>('select message_id from events order by message_id');
      return rows.map((row) => row.message_id);
    } finally {
      await client.end();
    }
  };

  beforeAll(async () => {
    schema = await freshTestSchema();
    storage = createPostgresStorage({ url: schema.url, poolSize: 4 });
    await storage.migrate();
  });

  afterAll(async () => {
    await storage?.close();
    await schema?.drop();
  });

  it('tells each request its own new and resent events, and stores each messageId once', async () => {
    const shared = Array.from({ length: 8 }, (_, i) => `shared-${i}`);
    await storage.write(set({ events: shared.slice(0, 4).map((id) => event(id)) }));
    const requests = Array.from({ length: 30 }, (_, i) => [
      ...Array.from({ length: 5 }, (_, k) => event(`own-${i}-${k}`)),
      ...Array.from({ length: 5 }, (_, k) => event(shared[(i + k) % shared.length]!)),
    ]);

    const answers = await Promise.all(requests.map((events) => storage.write(set({ events }))));

    for (const answer of answers) {
      expect(answer.inserted + answer.duplicates).toBe(10);
      expect(answer.inserted).toBeGreaterThanOrEqual(5);
    }
    // Every request's own five, and the four shared IDs not stored before, each counted once.
    expect(answers.reduce((sum, answer) => sum + answer.inserted, 0)).toBe(30 * 5 + 4);
    const expected = [...shared, ...requests.flatMap((events) => events.map((e) => e.messageId))];
    expect(await storedIds()).toEqual([...new Set(expected)].sort());
  });

  it('answers every waiting batch 503 storage_unavailable while the database is out of reach, and stores them when it is back', async () => {
    const requests = Array.from({ length: 8 }, (_, i) => [event(`outage-${i}-a`), event(`outage-${i}-b`)]);
    await schema.refuseLogins();
    let answers: PromiseSettledResult<unknown>[];
    try {
      answers = await Promise.allSettled(requests.map((events) => storage.write(set({ events }))));
    } finally {
      await schema.allowLogins();
    }
    for (const answer of answers) {
      expect(answer.status).toBe('rejected');
      const reason = (answer as PromiseRejectedResult).reason as unknown;
      expect(reason).toBeInstanceOf(KithError);
      expect(reason).toMatchObject({ code: 'storage_unavailable', status: 503 });
    }
    expect((await storedIds()).filter((id) => id.startsWith('outage-'))).toEqual([]);

    const retried = await Promise.all(requests.map((events) => storage.write(set({ events }))));
    expect(retried).toMatchObject(requests.map(() => ({ inserted: 2, duplicates: 0 })));
  });

  it('refuses only the request whose event PostgreSQL cannot store; the others sent with it are stored', async () => {
    // Larger than a B-tree index entry may be, and incompressible: the unique key's index refuses it.
    const tooLong = randomBytes(6000).toString('base64');
    const requests = Array.from({ length: 12 }, (_, i) => [event(`kept-${i}`), ...(i === 5 ? [event(tooLong)] : [])]);

    const answers = await Promise.allSettled(requests.map((events) => storage.write(set({ events }))));

    expect(answers.map((answer) => answer.status)).toEqual(
      requests.map((_, i) => (i === 5 ? 'rejected' : 'fulfilled')),
    );
    const stored = await storedIds();
    for (let i = 0; i < 12; i++) expect(stored.includes(`kept-${i}`)).toBe(i !== 5);
    expect(stored).not.toContain(tooLong);
  });
});
