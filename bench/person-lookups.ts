// What resolving the nodes an audience evaluation touches costs on SQLite (issue 19), in CPU (user +
// system) of this process per node: one `person()` per node (two queries each), against one `persons()`
// per group (two queries whatever its size), in alternating rounds over the same groups. The graph is
// the audience bench's visitors: a device cookie and an anonymous ID each, a login and traits for a third.
// Usage: node bench/person-lookups.ts   (BENCH_LOOKUP_ROUNDS, BENCH_LOOKUP_GROUPS=5,60,500 nodes a group)
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSqliteStorage } from '../packages/collector/src/storage/sqlite/index.ts';
import type { IdentityLink, NodeRef, TraitsUpdate } from '../packages/collector/src/storage/storage.ts';

const ROUNDS = Number(process.env.BENCH_LOOKUP_ROUNDS ?? 6);
const GROUPS = (process.env.BENCH_LOOKUP_GROUPS ?? '5,60,500').split(',').map(Number);
const VISITORS = 2000;
const SITE = 'bench';
const AT = '2026-06-01T12:00:00.000Z';
/** Nodes resolved per measurement of each way, whatever the group size. */
const NODES_PER_ROUND = 3000;

const load = () =>
  loadavg()
    .map((n) => n.toFixed(1))
    .join(' ');
const cpu = () => {
  const { user, system } = process.cpuUsage();
  return user + system;
};

const dir = mkdtempSync(join(tmpdir(), 'kith-person-lookups-'));
try {
  const storage = createSqliteStorage({ path: join(dir, 'kith.db') });
  await storage.migrate();
  for (let v = 0; v < VISITORS; v++) {
    const links: IdentityLink[] = [
      {
        site: SITE,
        from: { kind: 'device', id: `d${v}` },
        to: { kind: 'anonymous', id: `a${v}` },
        how: 'cookie',
        source: `c${v}`,
        at: AT,
      },
    ];
    const traits: TraitsUpdate[] = [];
    if (v % 3 === 0) {
      links.push({
        site: SITE,
        from: { kind: 'anonymous', id: `a${v}` },
        to: { kind: 'user', id: `u${v}` },
        how: 'login',
        source: `l${v}`,
        at: AT,
      });
      traits.push({
        site: SITE,
        node: { kind: 'user', id: `u${v}` },
        traits: { plan: 'pro', email: `v${v}@example.com` },
        at: AT,
      });
    }
    await storage.write({ events: [], consents: [], rejected: [], links, traits });
  }
  // The node a visitor's request names: the user ID once logged in, else the anonymous ID; a few unseen.
  const nodeOf = (i: number): NodeRef => {
    const v = (i * 7919) % (VISITORS + 100);
    if (v >= VISITORS) return { kind: 'anonymous', id: `unseen-${i}` };
    return v % 3 === 0 ? { kind: 'user', id: `u${v}` } : { kind: 'anonymous', id: `a${v}` };
  };
  console.log(`SQLite, ${VISITORS} visitors; load average ${load()}`);
  for (const size of GROUPS) {
    const groups = Array.from({ length: Math.ceil(NODES_PER_ROUND / size) }, (_, g) =>
      Array.from({ length: size }, (_, i) => nodeOf(g * size + i)),
    );
    const nodes = groups.length * size;
    let oneByOne = 0;
    let inOneRead = 0;
    for (let round = 0; round < ROUNDS; round++) {
      let start = cpu();
      for (const group of groups) for (const node of group) await storage.person(SITE, node);
      oneByOne += cpu() - start;
      start = cpu();
      for (const group of groups) await storage.persons(SITE, group);
      inOneRead += cpu() - start;
    }
    const perNode = (us: number) => (us / ROUNDS / nodes).toFixed(1);
    console.log(
      `groups of ${size}: person() per node ${perNode(oneByOne)} µs, persons() per group ${perNode(inOneRead)} µs a node, ` +
        `ratio ${(inOneRead / oneByOne).toFixed(2)}; load average ${load()}`,
    );
  }
  await storage.close();
} finally {
  rmSync(dir, { recursive: true, force: true });
}
