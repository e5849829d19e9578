import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';

const KITH = fileURLToPath(new URL('./cli.ts', import.meta.url));
const dirs: string[] = [];
const tempDir = () => {
  const dir = mkdtempSync(join(tmpdir(), 'kith-cli-'));
  dirs.push(dir);
  return dir;
};
afterEach(() => dirs.splice(0).forEach((dir) => rmSync(dir, { recursive: true, force: true })));

/** Runs the real `kith` bin; resolves with its exit code and output. */
function kith(args: string[], env: Record<string, string> = {}, cwd = tempDir()) {
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
    const child = spawn(process.execPath, [KITH, ...args], { cwd, env: { ...process.env, ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('kith CLI', () => {
  it('serves, stores a batch, then shows, exports and erases the person with "kith person"', async () => {
    const dir = tempDir();
    const storage = `sqlite:${join(dir, 'kith.db')}`;
    const child = spawn(process.execPath, [KITH, 'serve', '--port', '0', '--host', '127.0.0.1', '--storage', storage], {
      cwd: dir,
      env: { ...process.env, KITH_ADMIN_TOKEN: 'cli-admin-token-0001' },
    });
    let output = '';
    const url = await new Promise<string>((resolve, reject) => {
      child.stdout.on('data', (d) => {
        output += d;
        const match = output.match(/collector on (http:\/\/\S+)/);
        if (match?.[1]) resolve(match[1]);
      });
      child.on('exit', () => reject(new Error(output)));
    });
    expect(output).toMatch(/DEV MODE/);
    const res = await fetch(`${url}/v1/batch`, {
      method: 'POST',
      headers: { Authorization: `Basic ${btoa('dev:')}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ batch: [{ type: 'track', event: 'CLI Test', messageId: 'cli-1', userId: 'u-cli' }] }),
    });
    expect(await res.json()).toEqual({ ok: true, accepted: 1, rejected: [] });
    const exited = new Promise((resolve) => child.on('exit', resolve));
    child.kill('SIGTERM');
    expect(await exited).toBe(0);

    const shown = await kith(['person', 'show', 'user', 'u-cli', '--storage', storage]);
    expect(shown.code).toBe(0);
    expect(JSON.parse(shown.stdout)).toMatchObject({ site: 'dev', userIds: ['u-cli'], eventCount: 1 });
    const exported = await kith(['person', 'export', 'user', 'u-cli', '--site', 'dev', '--storage', storage]);
    expect(JSON.parse(exported.stdout).events).toEqual([expect.objectContaining({ messageId: 'cli-1', event: 'CLI Test' })]);
    const erased = await kith(['person', 'erase', 'user', 'u-cli', '--storage', storage]);
    expect(JSON.parse(erased.stdout)).toMatchObject({ site: 'dev', erased: { events: 1 } });
    const gone = await kith(['person', 'show', 'user', 'u-cli', '--storage', storage]);
    expect(gone.code).toBe(1);
    expect(gone.stderr).toMatch(/nothing is held on user ID "u-cli"/);
    // Five processes of the real bin, one after the other: give a loaded machine time.
  }, 30_000);

  it.each([
    [['serve', '--port', 'eighty'], /--port: "eighty" is not a port/],
    [['serve', '--storage', 'mysql://x'], /--storage: .* use sqlite:/],
    [['serve', '--config', 'missing.json'], /--config: missing.json does not exist/],
    [['serve', '--bogus'], /Unknown option '--bogus'/],
    [['fly'], /unknown command "fly"/],
    [['person', 'show', 'device', 'x'], /person show: give <user\|anonymous> <id>/],
    [['forward', 'replay', 'webhook:nope'], /forward replay: no destination "webhook:nope"/],
  ])('exits 2 and names the fix for %j', async (args, message) => {
    const result = await kith(args);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(message);
  });

  it('lists a destination\'s dead letters as JSON', async () => {
    const result = await kith(['forward', 'dead-letters', 'webhook:crm']);
    expect(result).toMatchObject({ code: 0 });
    expect(JSON.parse(result.stdout)).toEqual([]);
  });

  it('refuses an invalid kith.config.json, naming the field', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'kith.config.json'), JSON.stringify({ sites: [{ id: 'shop', writeKey: 'k', origins: [] }] }));
    const result = await kith(['serve', '--port', '0'], {}, dir);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/kith\.config\.json is invalid: sites\.0\.writeKey: must be at least 3 characters/);
  });

  it('exits 2 with one line that says what to change, for each mistake an operator makes on start', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'misspelt.json'), JSON.stringify({ sites: [{ id: 'shop', writeKey: 'shop-key', origins: [] }], retentionDay: 30 }));
    writeFileSync(join(dir, 'absurd.json'), JSON.stringify({ sites: [{ id: 'shop', writeKey: 'shop-key', origins: [] }], retentionDays: 1e15 }));
    writeFileSync(join(dir, 'a-file'), '');
    const busy = createServer();
    await new Promise<void>((resolve) => busy.listen(0, '127.0.0.1', resolve));
    const busyPort = String((busy.address() as AddressInfo).port);
    const storage = ['--storage', `sqlite:${join(dir, 'kith.db')}`];
    const cases: [string[], Record<string, string>, RegExp][] = [
      [['serve', '--config', 'misspelt.json', ...storage], {}, /retentionDay: is not a known key; did you mean "retentionDays"\?/],
      [['serve', '--config', 'absurd.json', ...storage], {}, /retentionDays: must be at most 36500/],
      [['serve', ...storage], { KITH_ADMIN_TOKEN: 'has a space in it, long enough' }, /KITH_ADMIN_TOKEN: use only letters, digits/],
      [['serve', ...storage], { KITH_ADMIN_TOKEN: 'x' }, /KITH_ADMIN_TOKEN: must be at least 16 characters/],
      [['serve', ...storage], { KITH_SECRET: 'short' }, /KITH_SECRET: must be at least 16 characters/],
      [['serve', '--port', busyPort, '--host', '127.0.0.1', ...storage], {}, new RegExp(`--port: ${busyPort} is already in use`)],
      [['serve', '--port', '0', '--host', 'no-such-host.invalid', ...storage], {}, /--host: cannot listen on "no-such-host\.invalid"/],
      [['serve', '--port', '0', '--host', 'bad host!', ...storage], {}, /--host: "bad host!" is not a host/],
      [['serve', '--port', '0', '--storage', `sqlite:${join(dir, 'a-file', 'kith.db')}`], {}, /--storage: cannot open .*kith\.db .*; choose a path in a folder this user may write to/],
    ];
    try {
      const results = await Promise.all(cases.map(([args, env]) => kith(args, env, dir)));
      results.forEach((result, i) => {
        const [args, , message] = cases[i]!;
        expect(result.code, `${args.join(' ')}: ${result.stderr}`).toBe(2);
        expect(result.stderr).toMatch(message);
        expect(result.stderr.trim().split('\n'), result.stderr).toHaveLength(1);
      });
    } finally {
      busy.close();
    }
    // Nine processes of the real bin at once: give a loaded machine time.
  }, 180_000);
});
