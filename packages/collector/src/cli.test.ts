import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { openStorage } from './storage/open.ts';

const KITH = fileURLToPath(new URL('./cli.ts', import.meta.url));
const dirs: string[] = [];
const tempDir = () => {
  const dir = mkdtempSync(join(tmpdir(), 'kith-cli-'));
  dirs.push(dir);
  return dir;
};
afterEach(() => dirs.splice(0).forEach((dir) => rmSync(dir, { recursive: true, force: true })));

/** Runs the real `kith` bin; resolves with its exit code and output. `input` is typed on its stdin, then closed. */
function kith(args: string[], env: Record<string, string> = {}, cwd = tempDir(), input = '') {
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
    const child = spawn(process.execPath, [KITH, ...args], { cwd, env: { ...process.env, ...env } });
    child.stdin.end(input);
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

// Each test runs the real bin, a process or more: on a loaded machine one takes seconds.
describe('kith CLI', { timeout: 60_000 }, () => {
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
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
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
    expect(JSON.parse(exported.stdout).events).toEqual([
      expect.objectContaining({ messageId: 'cli-1', event: 'CLI Test' }),
    ]);
    const erased = await kith(['person', 'erase', 'user', 'u-cli', '--storage', storage, '--yes']);
    expect(JSON.parse(erased.stdout)).toMatchObject({ site: 'dev', erased: { events: 1 } });
    const gone = await kith(['person', 'show', 'user', 'u-cli', '--storage', storage]);
    expect(gone.code).toBe(1);
    expect(gone.stderr).toMatch(/nothing is held on user ID "u-cli"/);
    // Five processes of the real bin, one after the other: give a loaded machine time.
  }, 120_000);

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

  it("lists a destination's dead letters as JSON", async () => {
    const result = await kith(['forward', 'dead-letters', 'webhook:crm']);
    expect(result).toMatchObject({ code: 0 });
    expect(JSON.parse(result.stdout)).toEqual([]);
  });

  it('refuses an invalid kith.config.json, naming the field', async () => {
    const dir = tempDir();
    writeFileSync(
      join(dir, 'kith.config.json'),
      JSON.stringify({ sites: [{ id: 'shop', writeKey: 'k', origins: [] }] }),
    );
    const result = await kith(['serve', '--port', '0'], {}, dir);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/kith\.config\.json is invalid: sites\.0\.writeKey: must be at least 3 characters/);
  });

  it('exits 2 with one line that says what to change, for each mistake an operator makes on start', async () => {
    const dir = tempDir();
    writeFileSync(
      join(dir, 'misspelt.json'),
      JSON.stringify({ sites: [{ id: 'shop', writeKey: 'shop-key', origins: [] }], retentionDay: 30 }),
    );
    writeFileSync(
      join(dir, 'absurd.json'),
      JSON.stringify({ sites: [{ id: 'shop', writeKey: 'shop-key', origins: [] }], retentionDays: 1e15 }),
    );
    writeFileSync(join(dir, 'a-file'), '');
    const busy = createServer();
    await new Promise<void>((resolve) => busy.listen(0, '127.0.0.1', resolve));
    const busyPort = String((busy.address() as AddressInfo).port);
    // Each case its own database: the cases run at once, and those that get as far as opening storage would
    // otherwise migrate one file together and fail on its lock instead of on the mistake under test.
    let stores = 0;
    const storage = () => ['--storage', `sqlite:${join(dir, `kith-${++stores}.db`)}`];
    const cases: [string[], Record<string, string>, RegExp][] = [
      [
        ['serve', '--config', 'misspelt.json', ...storage()],
        {},
        /retentionDay: is not a known key; did you mean "retentionDays"\?/,
      ],
      [['serve', '--config', 'absurd.json', ...storage()], {}, /retentionDays: must be at most 36500/],
      [
        ['serve', ...storage()],
        { KITH_ADMIN_TOKEN: 'has a space in it, long enough' },
        /KITH_ADMIN_TOKEN: use only letters, digits/,
      ],
      [['serve', ...storage()], { KITH_ADMIN_TOKEN: 'x' }, /KITH_ADMIN_TOKEN: must be at least 16 characters/],
      [['serve', ...storage()], { KITH_SECRET: 'short' }, /KITH_SECRET: must be at least 16 characters/],
      [
        ['serve', '--port', busyPort, '--host', '127.0.0.1', ...storage()],
        {},
        new RegExp(`--port: ${busyPort} is already in use`),
      ],
      [
        ['serve', '--port', '0', '--host', 'no-such-host.invalid', ...storage()],
        {},
        /--host: cannot listen on "no-such-host\.invalid"/,
      ],
      [['serve', '--port', '0', '--host', 'bad host!', ...storage()], {}, /--host: "bad host!" is not a host/],
      [
        ['serve', '--port', '0', '--storage', `sqlite:${join(dir, 'a-file', 'kith.db')}`],
        {},
        /--storage: cannot open .*kith\.db .*; choose a path in a folder this user may write to/,
      ],
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
  it('prints the address it really listens on: every interface is not "localhost"', async () => {
    const child = spawn(
      process.execPath,
      [KITH, 'serve', '--port', '0', '--host', '0.0.0.0', '--storage', `sqlite:${join(tempDir(), 'kith.db')}`],
      { env: process.env },
    );
    let output = '';
    await new Promise<void>((resolve, reject) => {
      child.stdout.on('data', (d) => {
        output += d;
        if (/collector on/.test(output)) resolve();
      });
      child.on('exit', () => reject(new Error(output)));
    });
    const exited = new Promise((resolve) => child.on('exit', resolve));
    child.kill('SIGTERM');
    await exited;
    expect(output).toMatch(/collector on http:\/\/0\.0\.0\.0:\d+ \(every network interface\)/);
  });

  it('takes relative paths from the current folder, and the only site of its config without --site', async () => {
    const dir = tempDir();
    writeFileSync(
      join(dir, 'kith.config.json'),
      JSON.stringify({ sites: [{ id: 'shop', writeKey: 'shop-key', origins: ['https://shop.example'] }] }),
    );
    const migrated = await kith(['migrate', '--storage', 'sqlite:./store/kith.db'], {}, dir);
    expect(migrated.code).toBe(0);
    // Each migration is reported as it starts, then the end.
    expect(migrated.stdout).toMatch(/migration 1 of (\d+)[\s\S]*migration \1 of \1[\s\S]*up to date/);
    expect(migrated.stdout).toContain(join(dir, 'store/kith.db'));
    expect(existsSync(join(dir, 'store/kith.db'))).toBe(true);
    const again = await kith(['migrate', '--storage', 'sqlite:./store/kith.db'], {}, dir);
    expect(again.stdout).not.toMatch(/migration \d/);

    const missing = await kith(['person', 'show', 'user', 'nobody', '--storage', 'sqlite:./store/kith.db'], {}, dir);
    expect(missing.stderr).toMatch(/for site "shop"/);
    writeFileSync(
      join(dir, 'two.json'),
      JSON.stringify({
        sites: ['a', 'b'].map((id) => ({ id, writeKey: `${id}-key-1`, origins: ['https://shop.example'] })),
      }),
    );
    const two = await kith(
      ['person', 'show', 'user', 'nobody', '--config', 'two.json', '--storage', 'sqlite:./store/kith.db'],
      {},
      dir,
    );
    expect(two.code).toBe(2);
    expect(two.stderr).toMatch(/--site: two\.json has 2 sites; give --site with one of a, b/);
  });

  it('erases a person only when asked to: a dry run shows what would go, no answer keeps everything, --yes or "erase" erases', async () => {
    const dir = tempDir();
    const storage = `sqlite:${join(dir, 'kith.db')}`;
    const opened = await openStorage(storage);
    await opened.write({
      events: ['e-1', 'e-2'].map((messageId) => ({
        type: 'track',
        event: 'Viewed',
        messageId,
        userId: 'customer-7',
        site: 'dev',
        timestamp: '2026-01-01T00:00:00.000Z',
        receivedAt: '2026-01-01T00:00:00.000Z',
      })),
      consents: [],
      rejected: [],
    });
    await opened.close();
    const erase = (...extra: string[]) => ['person', 'erase', 'user', 'customer-7', '--storage', storage, ...extra];

    const dry = await kith(erase('--dry-run'));
    expect(dry.code).toBe(0);
    expect(JSON.parse(dry.stdout)).toMatchObject({
      dryRun: true,
      wouldErase: { site: 'dev', userIds: ['customer-7'], events: 2 },
    });
    const unanswered = await kith(erase());
    expect(unanswered.code).toBe(1);
    expect(unanswered.stderr).toMatch(
      /erase the person with user ID "customer-7" and 2 events on site "dev" for good\?[\s\S]*nothing erased/,
    );
    const declined = await kith(erase(), {}, dir, 'no\n');
    expect(declined.code).toBe(1);
    expect((await kith(['person', 'show', 'user', 'customer-7', '--storage', storage])).code).toBe(0);

    const confirmedErase = await kith(erase(), {}, dir, 'erase\n');
    expect(confirmedErase.code).toBe(0);
    expect(JSON.parse(confirmedErase.stdout)).toMatchObject({ erased: { events: 2 } });
    expect((await kith(['person', 'show', 'user', 'customer-7', '--storage', storage])).code).toBe(1);
  }, 120_000);
});
