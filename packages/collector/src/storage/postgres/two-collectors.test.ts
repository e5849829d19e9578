import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freshTestSchema, type TestSchema } from '../../../test/support/postgres-schema.ts';

const KITH = fileURLToPath(new URL('../../cli.ts', import.meta.url));
const ADMIN_TOKEN = 'two-collectors-token';

interface Collector {
  url: string;
  stop(): Promise<number | null>;
}

/** A real `kith serve` process on loopback; resolves once it listens. */
function startCollector(storage: string, cwd: string): Promise<Collector> {
  const child: ChildProcess = spawn(
    process.execPath,
    [KITH, 'serve', '--port', '0', '--host', '127.0.0.1', '--storage', storage],
    {
      cwd,
      env: { ...process.env, KITH_ADMIN_TOKEN: ADMIN_TOKEN },
    },
  );
  const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
  let output = '';
  return new Promise((resolve, reject) => {
    child.stdout?.on('data', (chunk) => {
      output += chunk;
      const match = output.match(/collector on (http:\/\/\S+)/);
      if (match?.[1]) resolve({ url: match[1], stop: () => (child.kill('SIGTERM'), exited) });
    });
    child.stderr?.on('data', (chunk) => (output += chunk));
    void exited.then((code) => reject(new Error(`kith serve exited with ${code}:\n${output}`)));
  });
}

const anonymousIds = ['anon-0', 'anon-1', 'anon-2', 'anon-3'];
const events = Array.from({ length: 400 }, (_, i) => ({
  type: 'track',
  event: 'Two Collectors',
  messageId: `two-${i}`,
  anonymousId: anonymousIds[i % anonymousIds.length],
}));

/** Batches of 40: from the start for one collector, shifted by 20 and last-first for the other. */
function batches(shift: number): (typeof events)[] {
  const rotated = [...events.slice(shift), ...events.slice(0, shift)];
  return Array.from({ length: rotated.length / 40 }, (_, i) => rotated.slice(i * 40, i * 40 + 40));
}

async function send(collector: Collector, batch: typeof events) {
  const res = await fetch(`${collector.url}/v1/batch`, {
    method: 'POST',
    headers: { Authorization: `Basic ${btoa('dev:')}`, 'Content-Type': 'application/json' },
    body: JSON.stringify({ batch }),
  });
  return { status: res.status, body: (await res.json()) as { accepted?: number } };
}

async function storedMessageIds(collector: Collector, anonymousId: string): Promise<string[]> {
  const res = await fetch(`${collector.url}/v1/persons/anonymous/${anonymousId}/events?limit=1000`, {
    headers: { Authorization: `Bearer ${ADMIN_TOKEN}` },
  });
  const page = (await res.json()) as { events: { messageId: string }[]; next: string | null };
  expect(page.next).toBeNull();
  return page.events.map((e) => e.messageId);
}

async function personOf(
  collector: Collector,
  kind: string,
  id: string,
): Promise<{ userIds: string[]; anonymousIds: string[] }> {
  const res = await fetch(`${collector.url}/v1/persons/${kind}/${id}`, {
    headers: { Authorization: `Bearer ${ADMIN_TOKEN}` },
  });
  return ((await res.json()) as { person: { userIds: string[]; anonymousIds: string[] } }).person;
}

describe('two collector instances on one PostgreSQL database', () => {
  let schema: TestSchema;
  let dir: string;
  let collectors: Collector[] = [];

  beforeAll(async () => {
    schema = await freshTestSchema();
    dir = mkdtempSync(join(tmpdir(), 'kith-two-'));
    // Started together, so both migrate the empty schema at once.
    collectors = await Promise.all([startCollector(schema.url, dir), startCollector(schema.url, dir)]);
  }, 30_000);

  afterAll(async () => {
    await Promise.all(collectors.map((collector) => collector.stop()));
    await schema?.drop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('stores every event exactly once when both are sent the same events at once, and each serves all of them', async () => {
    const [first, second] = collectors as [Collector, Collector];
    const answers = await Promise.all([
      ...batches(0).map((batch) => send(first, batch)),
      ...batches(20)
        .reverse()
        .map((batch) => send(second, batch)),
    ]);
    for (const answer of answers)
      expect(answer).toEqual({ status: 200, body: { ok: true, accepted: 40, rejected: [] } });

    const client = new pg.Client({ connectionString: schema.url });
    await client.connect();
    const { rows } = await client.query(
      'select count(*)::integer as stored, count(distinct message_id)::integer as distinct_ids from events',
    );
    await client.end();
    expect(rows).toEqual([{ stored: events.length, distinct_ids: events.length }]);

    for (const collector of collectors) {
      for (const anonymousId of anonymousIds) {
        const expected = events.filter((e) => e.anonymousId === anonymousId).map((e) => e.messageId);
        expect((await storedMessageIds(collector, anonymousId)).sort()).toEqual(expected.sort());
      }
    }
  }, 30_000);

  it('keeps the identity graph consistent when both receive conflicting logins and cross-device links at once', async () => {
    const [first, second] = collectors as [Collector, Collector];
    const identify = (anonymousId: string, userId: string, n: number) => ({
      type: 'identify',
      messageId: `id-${anonymousId}-${userId}-${n}`,
      anonymousId,
      userId,
    });
    const rounds = Array.from({ length: 20 }, (_, i) => i);
    // Per round: one browser (anonymous ID) claimed by two users at once, and a second browser
    // logging in as the first user on the other instance.
    const answers = await Promise.all(
      rounds.flatMap((i) => [
        send(first, [identify(`shared-${i}`, `ann-${i}`, 1)] as never),
        send(second, [identify(`shared-${i}`, `bob-${i}`, 2), identify(`laptop-${i}`, `ann-${i}`, 3)] as never),
      ]),
    );
    for (const answer of answers) expect(answer.status).toBe(200);

    for (const i of rounds) {
      const ann = await personOf(i % 2 ? first : second, 'user', `ann-${i}`);
      const bob = await personOf(i % 2 ? second : first, 'user', `bob-${i}`);
      // Never one person with two users; the shared browser went to exactly one of them.
      expect(ann.userIds).toEqual([`ann-${i}`]);
      expect(bob.userIds).toEqual([`bob-${i}`]);
      expect(ann.anonymousIds).toContain(`laptop-${i}`);
      expect([...ann.anonymousIds, ...bob.anonymousIds].filter((id) => id === `shared-${i}`)).toHaveLength(1);
    }
  }, 30_000);

  it('both shut down cleanly on SIGTERM', async () => {
    const codes = await Promise.all(collectors.map((collector) => collector.stop()));
    collectors = [];
    expect(codes).toEqual([0, 0]);
  });
});
