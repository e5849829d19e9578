import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { cdnowPurchases } from '../../test/support/cdnow.ts';

const KITH = fileURLToPath(new URL('../cli.ts', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'kith-cdnow-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function kith(args: string[]) {
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
    const child = spawn(process.execPath, [KITH, ...args], { cwd: dir });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

/** The real `kith serve` on a file, until the returned function stops it. */
async function serve(storage: string) {
  const child = spawn(process.execPath, [KITH, 'serve', '--port', '0', '--host', '127.0.0.1', '--storage', storage], {
    cwd: dir,
  });
  let output = '';
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout.on('data', (d) => {
      output += d;
      const match = output.match(/collector on (http:\/\/\S+)/);
      if (match?.[1]) resolve(match[1]);
    });
    child.stderr.on('data', (d) => (output += d));
    child.on('exit', () => reject(new Error(output)));
  });
  const exited = new Promise((resolve) => child.on('exit', resolve));
  return { url, stop: () => (child.kill('SIGTERM'), exited) };
}

describe('predictions through the collector, on the CDNOW sample', () => {
  it('ingests CDNOW as Order Completed events over HTTP, then "kith predict fit" reproduces the paper and scores every customer', async () => {
    const storage = `sqlite:${join(dir, 'kith.db')}`;
    const server = await serve(storage);
    const orders = cdnowPurchases().map((p, i) => ({
      type: 'track',
      event: 'Order Completed',
      messageId: `cdnow-${i}`,
      userId: `cdnow-${p.customer}`,
      timestamp: `${p.date}T12:00:00.000Z`,
      properties: { order_id: `o${i}`, revenue: p.value, currency: 'USD' },
    }));
    for (let start = 0; start < orders.length; start += 1000) {
      const res = await fetch(`${server.url}/v1/batch`, {
        method: 'POST',
        headers: { Authorization: `Basic ${btoa('dev:')}`, 'Content-Type': 'application/json' },
        body: JSON.stringify({ batch: orders.slice(start, start + 1000) }),
      });
      expect(await res.json()).toMatchObject({ ok: true, rejected: [] });
    }
    expect(await server.stop()).toBe(0);

    const fit = await kith([
      'predict',
      'fit',
      '--site',
      'dev',
      '--calibration-end',
      '1997-09-30',
      '--storage',
      storage,
    ]);
    expect(fit.stderr).toBe('');
    expect(fit.code).toBe(0);
    const model = JSON.parse(fit.stdout);
    // The papers' estimates, each within the issue's tolerance (±0.01 for BG/NBD, ±0.05 for Gamma-Gamma).
    for (const [name, value] of Object.entries({ r: 0.243, alpha: 4.414, a: 0.793, b: 2.426 }))
      expect(Math.abs(model.bgnbd[name] - value)).toBeLessThan(0.01);
    for (const [name, value] of Object.entries({ p: 6.25, q: 3.74, gamma: 15.44 }))
      expect(Math.abs(model.gammaGamma[name] - value)).toBeLessThan(0.05);
    expect(model).toMatchObject({
      customers: 2357,
      repeatCustomers: 946,
      window: { from: '1997-01-01', calibrationEnd: '1997-09-30', to: '1998-06-30' },
      scored: 2357,
    });
    expect(model.holdout).toMatchObject({ weeks: 39, actual: 1882 });
    console.log(
      `kith predict fit on CDNOW: ${JSON.stringify({ bgnbd: model.bgnbd, gammaGamma: model.gammaGamma, holdout: model.holdout })}`,
    );

    // The scores are the person's traits, shown with the person.
    const shown = await kith(['person', 'show', 'user', 'cdnow-0001', '--storage', storage]);
    const person = JSON.parse(shown.stdout);
    const { traits } = person;
    // Beside the scores, what they rest on.
    expect(person.predictions).toMatchObject({
      customers: 2357,
      window: { calibrationEnd: '1997-09-30' },
      holdout: { weeks: 39, actual: 1882 },
    });
    expect(traits).toMatchObject({ rfm_segment: expect.any(String), likely_to_churn: expect.any(Boolean) });
    expect(traits.p_alive).toBeGreaterThan(0);
    expect(traits.p_alive).toBeLessThanOrEqual(1);
    expect(traits.predicted_ltv_365d).toBeGreaterThan(0);
    expect(traits.expected_purchases_90d).toBeGreaterThan(0);

    // The sample is the customers who first bought in the first quarter of 1997: every one of them a customer then.
    const quarter = await kith([
      'figures',
      '--site',
      'dev',
      '--from',
      '1997-01-01',
      '--to',
      '1997-03-31',
      '--storage',
      storage,
    ]);
    expect(quarter.code).toBe(0);
    const figures = JSON.parse(quarter.stdout);
    expect(figures).toMatchObject({ visitors: 2357, customers: 2357, conversionRate: 1 });
    expect(
      figures.cohorts.map((c: { customers: number }) => c.customers).reduce((sum: number, n: number) => sum + n, 0),
    ).toBe(2357);
  }, 240_000);

  it.each([
    [['predict', 'fit'], /predict fit: give --site <site id>/],
    [
      ['predict', 'fit', '--site', 'dev', '--calibration-end', '1997-13-01'],
      /--calibration-end: "1997-13-01" is not a day/,
    ],
    [
      ['figures', '--site', 'dev', '--from', '2026-03-01'],
      /figures: give the period as --from YYYY-MM-DD and --to YYYY-MM-DD/,
    ],
    [
      ['figures', '--site', 'dev', '--from', '2026-03-31', '--to', '2026-03-01'],
      /to \(2026-03-01\) is before from \(2026-03-31\); swap them/,
    ],
  ])(
    'exits 2 and names the fix for %j',
    async (args, message) => {
      const result = await kith(args);
      expect(result.code).toBe(2);
      expect(result.stderr).toMatch(message);
    },
    30_000,
  );
});
