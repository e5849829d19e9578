// Destinations: how far each forwarder is behind, its dead letters and their last error, and a replay.
import { html } from 'hono/html';
import type { ForwardConfig } from '../../config.ts';
import type { Storage } from '../../storage/storage.ts';
import { layout, scrolling, type Frame } from '../layout.ts';
import { shown, when } from '../text.ts';

// Counted up to here: past it, "more than" is all an operator needs to know.
const COUNT_UP_TO = 1000;

export interface DestinationRow {
  id: string;
  /** Events stored but not yet delivered (at most COUNT_UP_TO + 1). */
  lag: number;
  deadLetters: number;
  lastError: { error: string; at: string } | null;
  /** Whether the console can replay it (webhooks; NATS needs the Node CLI). */
  replayable: boolean;
}

/** The configured destinations' IDs, as forward/ names their cursors. */
export const destinationIds = (forward: ForwardConfig | undefined) => [
  ...(forward?.nats ? ['nats'] : []),
  ...(forward?.webhooks ?? []).map((webhook) => `webhook:${webhook.id}`),
];

export async function loadDestinations(
  storage: Storage,
  forward: ForwardConfig | undefined,
): Promise<DestinationRow[]> {
  return Promise.all(
    destinationIds(forward).map(async (id) => {
      const [pending, letters] = await Promise.all([
        storage.pending(id, COUNT_UP_TO + 1),
        storage.deadLetters(id, COUNT_UP_TO + 1),
      ]);
      const last = letters.at(-1);
      return {
        id,
        lag: pending.length,
        deadLetters: letters.length,
        lastError: last ? { error: last.error, at: last.failedAt } : null,
        replayable: id.startsWith('webhook:'),
      };
    }),
  );
}

const count = (value: number) => (value > COUNT_UP_TO ? `more than ${COUNT_UP_TO}` : String(value));

export function destinationsPage(frame: Frame, rows: DestinationRow[], notice?: string) {
  const canAct = frame.session?.role === 'admin';
  return layout(
    { ...frame, title: 'Destinations', current: 'destinations' },
    html`<h1>Destinations</h1>
${notice ? html`<p role="status">${notice}</p>` : ''}
${
  rows.length === 0
    ? html`<p>No destinations: stored events stay in storage. Add NATS or webhooks under "forward" in kith.config.json (see the README).</p>`
    : scrolling(
        'Destinations',
        html`<table>
<thead><tr><th scope="col">Destination</th><th scope="col">Not yet delivered</th><th scope="col">Dead letters</th><th scope="col">Last error</th><th scope="col">Replay</th></tr></thead>
<tbody>${rows.map(
          (row) => html`<tr><td class="id">${row.id}</td><td>${count(row.lag)}</td><td>${count(row.deadLetters)}</td>
<td>${row.lastError ? html`${when(row.lastError.at)}: ${shown(row.lastError.error, 300)}` : 'none'}</td>
<td>${
            row.deadLetters === 0
              ? '–'
              : !row.replayable
                ? html`<code>kith forward replay ${row.id}</code>`
                : canAct
                  ? html`<form method="post" action="/console/destinations/replay">
<input type="hidden" name="csrf" value="${frame.session!.csrf}"><input type="hidden" name="destination" value="${row.id}">
<button type="submit">Replay ${row.id}</button></form>`
                  : 'admin only'
          }</td></tr>`,
        )}</tbody>
</table>`,
      )
}`,
  );
}
