// `pnpm bench`: reports, not tests. Collector throughput side by side, then the SDK's bytes.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';
import { benchCollector } from './collector.ts';

const { results, stored, acknowledged } = await benchCollector();
console.table(Object.fromEntries(results.map(({ name, ...rest }) => [name, rest])));
const [bare, collector] = results;
console.log(`collector / bare node:http requests/s: ${(collector!.requestsPerSecond / bare!.requestsPerSecond).toFixed(2)}`);
console.log(`acknowledged events: ${acknowledged}, stored: ${stored} ${stored >= acknowledged ? '(all acknowledged events are stored)' : '(MISSING EVENTS)'}`);
if (stored < acknowledged) process.exitCode = 1;

const source = readFileSync(fileURLToPath(new URL('../packages/sdk/dist/kith.js', import.meta.url)));
const brotli = brotliCompressSync(source, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } });
console.table({
  'kith.js (script tag, everything)': { minified: source.byteLength, gzip: gzipSync(source, { level: 9 }).byteLength, brotli: brotli.byteLength },
});
