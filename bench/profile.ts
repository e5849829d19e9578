// Reads a V8 CPU profile (`node --cpu-prof`, or BENCH_CPU_PROF=<dir> for `pnpm bench`) and prints
// where the time went: by package or source folder, then the top functions by self and total time.
// Usage: node bench/profile.ts <file.cpuprofile> [top=25]
import { readFileSync } from 'node:fs';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

const [file, topArg] = process.argv.slice(2);
if (!file) {
  console.error('usage: node bench/profile.ts <file.cpuprofile> [top]');
  process.exit(2);
}
const top = Number(topArg ?? 25);
const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;

const byId = new Map(profile.nodes.map((node) => [node.id, node]));
const parent = new Map<number, number>();
for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);

const selfTime = new Map<number, number>();
profile.samples.forEach((id, i) => selfTime.set(id, (selfTime.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));
const total = [...selfTime.values()].reduce((sum, time) => sum + time, 0);

/** A package (`hono`, `ua-parser-js`), a folder of this repo (`collector/src/pipeline`), or node's internals. */
function area({ url, functionName }: ProfileNode['callFrame']): string {
  if (!url) return functionName.startsWith('(') ? functionName : '(native)';
  const pkg = url.match(/node_modules\/(?:\.pnpm\/[^/]+\/node_modules\/)?((?:@[^/]+\/)?[^/]+)/)?.[1];
  if (pkg) return pkg;
  const own = url.match(/\/packages\/([^/]+\/src(?:\/[^/]+(?=\/))?)/)?.[1];
  if (own) return own;
  return url.startsWith('node:') ? 'node internals' : url;
}

const label = ({ functionName, url, lineNumber }: ProfileNode['callFrame']) =>
  `${functionName || '(anonymous)'} ${url ? `${url.replace(/^.*\/(node_modules|packages)\//, '$1/').replace(/^file:\/\//, '')}:${lineNumber + 1}` : ''}`.trim();

const percent = (time: number) => `${((100 * time) / total).toFixed(1)}%`;
const sorted = (map: Map<string, number>) => [...map].sort((a, b) => b[1] - a[1]).slice(0, top);

const areas = new Map<string, number>();
const functionsSelf = new Map<string, number>();
const functionsTotal = new Map<string, number>();
for (const [id, time] of selfTime) {
  const frame = byId.get(id)!.callFrame;
  areas.set(area(frame), (areas.get(area(frame)) ?? 0) + time);
  functionsSelf.set(label(frame), (functionsSelf.get(label(frame)) ?? 0) + time);
  // Total time: each function on the sample's stack once, however often it recurs.
  const seen = new Set<string>();
  for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
    const name = label(byId.get(at)!.callFrame);
    if (seen.has(name)) continue;
    seen.add(name);
    functionsTotal.set(name, (functionsTotal.get(name) ?? 0) + time);
  }
}

console.log(`${file}: ${(total / 1e6).toFixed(1)} s sampled`);
console.log('\nself time by area');
for (const [name, time] of sorted(areas)) console.log(`  ${percent(time).padStart(6)}  ${name}`);
console.log('\nfunctions by self time');
for (const [name, time] of sorted(functionsSelf)) console.log(`  ${percent(time).padStart(6)}  ${name}`);
console.log('\nfunctions by total time (self and callees)');
for (const [name, time] of sorted(functionsTotal)) console.log(`  ${percent(time).padStart(6)}  ${name}`);
