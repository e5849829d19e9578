import { spawn } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';

const KITH = fileURLToPath(new URL('../../cli.ts', import.meta.url));
const dirs: string[] = [];
afterEach(() => dirs.splice(0).forEach((dir) => rmSync(dir, { recursive: true, force: true })));

function kith(args: string[], cwd: string) {
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
    const child = spawn(process.execPath, [KITH, ...args], { cwd, env: { ...process.env, KITH_LOG_LEVEL: 'warn' } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('kith backup', () => {
  it('copies a store while the collector writes to it; the copy restores with every event acknowledged before the backup began', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kith-backup-'));
    dirs.push(dir);
    const storage = `sqlite:${join(dir, 'live/kith.db')}`;
    const server = spawn(
      process.execPath,
      [KITH, 'serve', '--port', '0', '--host', '127.0.0.1', '--storage', storage],
      {
        cwd: dir,
        env: { ...process.env, KITH_LOG_LEVEL: 'warn', KITH_ADMIN_TOKEN: 'backup-admin-token-0123' },
      },
    );
    const url = await new Promise<string>((resolve, reject) => {
      let output = '';
      server.stdout.on('data', (d) => {
        output += d;
        const match = output.match(/collector on (http:\/\/\S+)/);
        if (match?.[1]) resolve(match[1]);
      });
      server.on('exit', () => reject(new Error(output)));
    });

    // Load: four senders on loopback, 50 events a batch, until the backup is done (bounded by it).
    const acknowledged: { id: string; at: number }[] = [];
    let sending = true;
    let batches = 0;
    const sender = async (lane: number) => {
      while (sending) {
        const ids = Array.from({ length: 50 }, (_, i) => `l${lane}-b${batches}-${i}`);
        batches += 1;
        const res = await fetch(`${url}/v1/batch`, {
          method: 'POST',
          headers: { Authorization: `Basic ${btoa('dev:')}`, 'Content-Type': 'application/json' },
          body: JSON.stringify({
            batch: ids.map((messageId) => ({ type: 'track', event: 'Load', messageId, userId: `u-${lane}` })),
          }),
        });
        const body = (await res.json()) as { accepted?: number };
        if (res.ok && body.accepted === ids.length) acknowledged.push(...ids.map((id) => ({ id, at: Date.now() })));
      }
    };
    const load = Promise.all([0, 1, 2, 3].map(sender));
    while (acknowledged.length < 1000) await new Promise((resolve) => setTimeout(resolve, 50));

    const backupStarted = Date.now();
    const backup = await kith(['backup', 'backups/kith-copy.db', '--storage', storage], dir);
    const duringBackup = acknowledged.filter((event) => event.at >= backupStarted).length;
    sending = false;
    await load;
    const exited = new Promise((resolve) => server.on('exit', resolve));
    server.kill('SIGTERM');
    await exited;

    expect(backup.stderr).toBe('');
    expect(backup.code).toBe(0);
    expect(backup.stdout).toMatch(
      new RegExp(`backed up \\d+ events to ${join(dir, 'backups/kith-copy.db').replace(/[.]/g, '\\.')}`),
    );
    expect(duringBackup).toBeGreaterThan(0); // the collector kept acknowledging while the copy ran

    // Restore as docs/deploy.md says: the copy becomes the store's file, with no WAL beside it.
    const restored = join(dir, 'restored/kith.db');
    const restore = await kith(['migrate', '--storage', `sqlite:${restored}`], dir);
    expect(restore.code).toBe(0);
    copyFileSync(join(dir, 'backups/kith-copy.db'), restored);
    rmSync(`${restored}-wal`, { force: true });
    rmSync(`${restored}-shm`, { force: true });
    expect((await kith(['migrate', '--storage', `sqlite:${restored}`], dir)).code).toBe(0);
    const db = new DatabaseSync(restored, { readOnly: true });
    const stored = new Set(
      (db.prepare('select message_id from events').all() as { message_id: string }[]).map((row) => row.message_id),
    );
    db.close();
    const before = acknowledged.filter((event) => event.at < backupStarted);
    expect(before.length).toBeGreaterThanOrEqual(1000);
    expect(before.filter((event) => !stored.has(event.id))).toEqual([]);
  }, 180_000);

  it('refuses to overwrite a file, and PostgreSQL, with the fix', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kith-backup-'));
    dirs.push(dir);
    expect((await kith(['migrate', '--storage', 'sqlite:./kith.db'], dir)).code).toBe(0);
    expect((await kith(['backup', 'copy.db', '--storage', 'sqlite:./kith.db'], dir)).code).toBe(0);
    expect(existsSync(join(dir, 'copy.db'))).toBe(true);
    const again = await kith(['backup', 'copy.db', '--storage', 'sqlite:./kith.db'], dir);
    expect(again).toMatchObject({
      code: 2,
      stderr: expect.stringMatching(/copy\.db exists already; give a new file name/),
    });
    const postgres = await kith(['backup', 'copy2.db', '--storage', 'postgres://kith@localhost/kith'], dir);
    expect(postgres).toMatchObject({ code: 2, stderr: expect.stringMatching(/pg_dump/) });
  }, 120_000);
});
