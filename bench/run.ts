// `pnpm bench`: reports, not tests. Collector throughput side by side, then the SDK's bytes.
import { readFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { fileURLToPath } from 'node:url';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';
import { TRAFFIC, benchCollector, type Phase } from './collector.ts';
import { FLOOR_VARIANTS, sqliteFloor } from './sqlite-floor.ts';
import { EVENTS_PER_BATCH } from './traffic.ts';

console.log(`${cpus().length} cores, Node ${process.versions.node}`);
console.log(`Traffic: ${TRAFFIC}.`);
const { bare, sqlite, postgres } = await benchCollector();
const phases = 'skipped' in postgres ? [bare, sqlite] : [bare, sqlite, postgres];
console.table(Object.fromEntries(phases.map(({ result: { name, ...rest } }) => [name, rest])));
if ('skipped' in postgres) console.log(`(c) collector, PostgreSQL: skipped, ${postgres.skipped}`);

// What SQLite alone costs for the same batches (one transaction each, in this process).
const floorSeconds = Math.min(5, Number(process.env.BENCH_SECONDS ?? 10));
console.table(
  Object.fromEntries(
    Object.entries(FLOOR_VARIANTS).map(([name, variant]) => [
      `node:sqlite alone, ${name}`,
      sqliteFloor(floorSeconds, variant),
    ]),
  ),
);

for (const phase of phases.slice(1)) {
  const { name, requestsPerSecond, cpuMsPerRequest } = phase.result;
  console.log(`${name} / bare node:http requests/s: ${(requestsPerSecond / bare.result.requestsPerSecond).toFixed(2)}`);
  if (cpuMsPerRequest && bare.result.cpuMsPerRequest) {
    // The figures that do not move with the machine's load: CPU per request, and what one core would store.
    console.log(
      `${name}: ${cpuMsPerRequest} ms CPU per request, ${(cpuMsPerRequest / bare.result.cpuMsPerRequest).toFixed(1)}x bare's ${bare.result.cpuMsPerRequest} ms; one core's worth would store ${Math.round((1000 / cpuMsPerRequest) * EVENTS_PER_BATCH)} events/s`,
    );
  }
  report(phase);
}

function report({ result: { name }, check, firstVisitsPerSecond, disk }: Phase) {
  if (firstVisitsPerSecond)
    console.log(
      `${name}: first visits before the load (new browser, device ID made and linked): ${firstVisitsPerSecond}/s`,
    );
  if (disk)
    console.log(
      `${name}: the store grew ${disk.bytesPerEvent} B per event stored and wrote ${disk.writtenPerEvent} B per event, ${disk.writeAmplification} bytes written per byte kept`,
    );
  if (!check) return;
  const verdict =
    check.missing === 0 ? 'all acknowledged events are stored' : `${check.missing} ACKNOWLEDGED EVENTS MISSING`;
  // Requests still in flight when the load stops are stored but never acknowledged.
  const unacknowledged = check.stored - (check.acknowledged - check.missing);
  console.log(
    `${name}: acknowledged ${check.acknowledged}, stored ${check.stored} (${unacknowledged} unacknowledged, in flight at the end): ${verdict}`,
  );
  if (check.missing > 0) process.exitCode = 1;
}

const sizes = (file: string) => {
  const source = readFileSync(fileURLToPath(new URL(`../packages/sdk/dist/${file}`, import.meta.url)));
  const brotli = brotliCompressSync(source, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } });
  return { minified: source.byteLength, gzip: gzipSync(source, { level: 9 }).byteLength, brotli: brotli.byteLength };
};
const script = sizes('kith.js');
const banner = sizes('kith-banner.js');
console.table({
  "kith.js (a returning visitor's page)": script,
  'kith-banner.js (loaded only to show the banner)': banner,
  'first visit, both': {
    minified: script.minified + banner.minified,
    gzip: script.gzip + banner.gzip,
    brotli: script.brotli + banner.brotli,
  },
});
