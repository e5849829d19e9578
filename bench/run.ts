// Benchmarks are reports, not tests. For now: the SDK's bytes as every visitor pays them.
// (Collector throughput side by side with a bare node:http server comes with the benchmark work.)
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';

const path = fileURLToPath(new URL('../packages/sdk/dist/kith.js', import.meta.url));
const source = readFileSync(path);
const brotli = brotliCompressSync(source, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } });

console.table({
  'kith.js (script tag, everything)': { minified: source.byteLength, gzip: gzipSync(source, { level: 9 }).byteLength, brotli: brotli.byteLength },
});
