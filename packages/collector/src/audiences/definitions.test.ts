import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { ConfigError, parseConfig } from '../config.ts';

const KITH = fileURLToPath(new URL('../cli.ts', import.meta.url));
const dirs: string[] = [];
afterEach(() => dirs.splice(0).forEach((dir) => rmSync(dir, { recursive: true, force: true })));

function serveWith(configText: string) {
  const dir = mkdtempSync(join(tmpdir(), 'kith-audiences-'));
  dirs.push(dir);
  writeFileSync(join(dir, 'kith.config.json'), configText);
  return new Promise<{ code: number | null; stderr: string }>((resolve) => {
    const child = spawn(
      process.execPath,
      [KITH, 'serve', '--port', '0', '--storage', `sqlite:${join(dir, 'kith.db')}`],
      { cwd: dir },
    );
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    child.on('exit', (code) => resolve({ code, stderr }));
  });
}

const site = (extra: Record<string, unknown>) => ({
  sites: [{ id: 'shop', writeKey: 'shop-key', origins: ['https://shop.example'], ...extra }],
});

describe('definitions in kith.config.json', () => {
  it(
    'a mistake in a definition exits 2 with one line naming the key, the line and the column',
    { timeout: 60_000 },
    async () => {
      const text = JSON.stringify(
        site({
          traits: [{ key: 'ltv', definition: "event('Order Completed').sum(property('revenue'))" }],
          audiences: [{ key: 'repeat_buyers', definition: "event('Order Completed').within(30 dayz).count() >= 2" }],
        }),
        null,
        2,
      );
      const result = await serveWith(text);
      expect(result.code).toBe(2);
      const lines = text.split('\n');
      const line = lines.findIndex((l) => l.includes('dayz')) + 1;
      const column = lines[line - 1]!.indexOf('dayz') + 1;
      expect(result.stderr.trim()).toBe(
        `kith: kith.config.json:${line}:${column}: sites[0].audiences[0] "repeat_buyers": expected "days" or "hours" after the number, found "dayz"; fix the definition.`,
      );
    },
  );

  it('counts escaped characters in the file when it places the column', () => {
    const text = `{"sites":[{"id":"shop","writeKey":"shop-key","origins":[],\n "stages":[{"key":"vip","definition":"trait(\\"plan\\") = \\"pro\\" ANDD trait('x') = 1"}]}]}`;
    expect(() => parseConfig(JSON.parse(text), 'kith.config.json', text)).toThrow(
      new ConfigError(
        `kith.config.json:2:65: sites[0].stages[0] "vip": expected AND, OR or the end of the definition, found "ANDD"; fix the definition.`,
      ),
    );
  });

  it('refuses an entry with an unknown field or a repeated key, and stages other than a list or "default"', () => {
    expect(() =>
      parseConfig(site({ audiences: [{ key: 'a', definition: "trait('x') = 1", marketting: true }] })),
    ).toThrow(/sites\.0\.audiences\.0.*unknown field/);
    expect(() =>
      parseConfig(
        site({
          audiences: [
            { key: 'a', definition: "trait('x') = 1" },
            { key: 'a', definition: "trait('y') = 1" },
          ],
        }),
      ),
    ).toThrow(/each of the audiences needs its own key/);
    expect(() => parseConfig(site({ stages: 'shop' }))).toThrow(/sites\.0\.stages: must be "default" or a list/);
    expect(parseConfig(site({ stages: 'default' })).sites[0]!.stages).toBe('default');
  });
});
