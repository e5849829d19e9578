import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
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
      env: { ...process.env, KITH_ADMIN_TOKEN: 'cli-token' },
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
    expect(result.stderr).toMatch(/kith\.config\.json is invalid:\n\s+- sites\.0\.writeKey: must be at least 3 characters/);
  });
});
