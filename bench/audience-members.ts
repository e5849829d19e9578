// What reading an audience costs: an audience's first page of members (with its count) and the counts
// of every audience and stage, over a site of PERSONS persons (default 10,000) with 10 events each,
// their audiences set by a rebuild. Reports, not tests: `node bench/audience-members.ts`.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createAudienceEngine } from '../packages/collector/src/audiences/engine.ts';
import { audienceCounts, audienceMembers } from '../packages/collector/src/audiences/members.ts';
import { parseConfig } from '../packages/collector/src/config.ts';
import { createSqliteStorage } from '../packages/collector/src/storage/sqlite/index.ts';
import type { StoredEvent } from '../packages/collector/src/storage/storage.ts';
const PERSONS = Number(process.env.BENCH_PERSONS ?? 10_000);
const dir = mkdtempSync(join(tmpdir(), 'kith-members-'));
const storage = createSqliteStorage({ path: join(dir, 'm.db') });
await storage.migrate();
const config = parseConfig({
  sites: [
    {
      id: 's',
      writeKey: 'key-s',
      origins: ['https://shop.example'],
      audiences: [
        { key: 'buyers', definition: "event('Order Completed').count() >= 1" },
        { key: 'viewers', definition: "event('Product Viewed').count() >= 1" },
      ],
      stages: 'default',
    },
  ],
});
const engine = createAudienceEngine({ storage, config });
const now = Date.now();
for (let p = 0; p < PERSONS; p += 500) {
  const events: StoredEvent[] = [];
  for (let i = p; i < p + 500; i++)
    for (let n = 0; n < 10; n++) {
      const at = new Date(now - n * 86_400_000).toISOString();
      events.push({
        site: 's',
        type: 'track',
        messageId: crypto.randomUUID(),
        ...(i % 3 ? { anonymousId: `a${i}` } : { userId: `u${i}` }),
        event: n === 0 && i % 2 ? 'Order Completed' : 'Product Viewed',
        properties: { revenue: 10 },
        timestamp: at,
        receivedAt: at,
      } as StoredEvent);
    }
  await storage.write({ events, consents: [], rejected: [] });
}
let t = performance.now();
console.log('rebuild', await engine.rebuild('s'), ((performance.now() - t) / 1000).toFixed(1), 's');
t = performance.now();
const page = await audienceMembers(storage, 's', 'buyers', { limit: 100 });
console.log(
  'members page: count',
  page.count,
  'first page',
  page.members.length,
  ((performance.now() - t) / 1000).toFixed(2),
  's',
);
t = performance.now();
const counts = await audienceCounts(storage, 's', { audiences: ['buyers', 'viewers'], stages: ['visitor', 'engaged'] });
console.log('counts', JSON.stringify(counts), ((performance.now() - t) / 1000).toFixed(2), 's');
await storage.close();
rmSync(dir, { recursive: true, force: true });
