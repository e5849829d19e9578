// The bytes a visitor pays for Kith's alternatives, measured from their published npm packages
// (the file a site would serve from a script tag), beside kith.js. Needs the npm registry.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';

interface Peer {
  label: string;
  pkg: string;
  version: string;
  /** Files inside the package that a script-tag install serves, summed. */
  files: string[];
}

const PEERS: Peer[] = [
  {
    label: 'Segment analytics-next (standalone)',
    pkg: '@segment/analytics-next',
    version: '1.84.3',
    files: ['dist/umd/standalone.js'],
  },
  {
    label: 'RudderStack v3 (core, plugins load later)',
    pkg: '@rudderstack/analytics-js',
    version: '3.34.1',
    files: ['dist/npm/modern/umd/index.js'],
  },
  {
    label: 'PostHog (array.js, extensions load later)',
    pkg: 'posthog-js',
    version: '1.449.2',
    files: ['dist/array.js'],
  },
  {
    label: 'Snowplow browser tracker',
    pkg: '@snowplow/browser-tracker',
    version: '4.10.1',
    files: ['dist/index.umd.min.js'],
  },
  {
    label: 'vanilla-cookieconsent (JS + CSS)',
    pkg: 'vanilla-cookieconsent',
    version: '3.1.0',
    files: ['dist/cookieconsent.umd.js', 'dist/cookieconsent.css'],
  },
  {
    label: 'Osano cookieconsent (JS + CSS)',
    pkg: 'cookieconsent',
    version: '3.1.1',
    files: ['build/cookieconsent.min.js', 'build/cookieconsent.min.css'],
  },
];

export interface Size {
  minified: number;
  gzip: number;
  brotli: number;
}

export function sizeOf(source: Buffer): Size {
  return {
    minified: source.byteLength,
    gzip: gzipSync(source, { level: 9 }).byteLength,
    brotli: brotliCompressSync(source, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }).byteLength,
  };
}

export function measurePeers(): Record<string, Size> {
  const dir = mkdtempSync(join(tmpdir(), 'kith-peers-'));
  try {
    const sizes: Record<string, Size> = {};
    for (const peer of PEERS) {
      // npm pack fetches the published tarball without running any of its install scripts.
      const tarball = execFileSync(
        'npm',
        ['pack', `${peer.pkg}@${peer.version}`, '--silent', '--pack-destination', dir],
        { encoding: 'utf8' },
      )
        .trim()
        .split('\n')
        .at(-1)!;
      const into = join(dir, peer.pkg.replace(/[@/]/g, '_'));
      execFileSync('mkdir', ['-p', into]);
      execFileSync('tar', ['xzf', join(dir, tarball), '-C', into]);
      const source = Buffer.concat(peer.files.map((file) => readFileSync(join(into, 'package', file))));
      sizes[`${peer.label} ${peer.version}`] = sizeOf(source);
    }
    return sizes;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.main) {
  const kith = sizeOf(readFileSync(fileURLToPath(new URL('../packages/sdk/dist/kith.js', import.meta.url))));
  console.table({ 'kith.js (everything)': kith, ...measurePeers() });
}
