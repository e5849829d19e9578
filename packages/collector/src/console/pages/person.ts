// A person: how their IDs joined (the graph and its log), what they did, their traits, and the
// consents they gave, with the banner text each was given on; export and erase for admins.
import { html } from 'hono/html';
import { showPerson, type PersonView } from '../../persons.ts';
import type {
  EdgeRecord,
  EventPage,
  NodeRef,
  PersonKey,
  StitchCandidate,
  Storage,
  StoredEvent,
} from '../../storage/storage.ts';
import { layout, scrolling, type Frame } from '../layout.ts';
import { personPath } from '../paths.ts';
import { personGraph } from '../person-graph.ts';
import { personStanding } from './person-standing.ts';
import { shown, when } from '../text.ts';

const TIMELINE_PAGE = 50;

export interface PersonData {
  node: NodeRef;
  /** The ID export and erase go by, and which the erase form asks to be typed. */
  key: PersonKey;
  person: PersonView;
  edges: EdgeRecord[];
  candidates: StitchCandidate[];
  bannerTexts: Record<string, Record<string, string>>;
  timeline: EventPage;
}

/** The person of any of their IDs (a device too); null when nothing is held on it. */
export async function personKeyOf(storage: Storage, site: string, node: NodeRef): Promise<PersonKey | null> {
  if (node.kind !== 'device') return { kind: node.kind, id: node.id };
  const person = await storage.person(site, node);
  if (!person) return null;
  const user = person.userIds[0];
  if (user !== undefined) return { kind: 'user', id: user };
  const anonymous = person.anonymousIds[0];
  return anonymous === undefined ? null : { kind: 'anonymous', id: anonymous };
}

export async function loadPerson(
  storage: Storage,
  site: string,
  node: NodeRef,
  before?: string,
): Promise<PersonData | null> {
  const key = await personKeyOf(storage, site, node);
  const person = key && (await showPerson(storage, site, key));
  if (!key || !person) return null;
  const ids = { site, userIds: person.userIds, anonymousIds: person.anonymousIds };
  const hashes = person.consents.flatMap((record) =>
    record.consent.bannerTextHash ? [record.consent.bannerTextHash] : [],
  );
  const [edges, candidates, bannerTexts, timeline] = await Promise.all([
    storage.edges(site, person.personId),
    storage.stitchCandidates(ids),
    storage.bannerTexts(hashes),
    storage.events({ ...ids, limit: TIMELINE_PAGE, ...(before ? { before } : {}) }),
  ]);
  return { node, key, person, edges, candidates, bannerTexts, timeline };
}

export function personPage(frame: Frame, data: PersonData, notice?: string) {
  const site = frame.site!;
  const { person, key } = data;
  const title = `Person ${shown(key.id, 60)}`;
  const canAct = frame.session?.role === 'admin';
  return layout(
    { ...frame, title, current: 'persons' },
    html`<h1>Person <span class="id">${shown(key.id, 120)}</span></h1>
${notice ? html`<p class="error" role="alert">${notice}</p>` : ''}
<dl class="facts">
<dt>Events</dt><dd>${person.eventCount}</dd>
<dt>First seen</dt><dd>${when(person.firstSeen)}</dd>
<dt>Last seen</dt><dd>${when(person.lastSeen)}</dd>
<dt>Person ID</dt><dd class="id">${person.personId}</dd>
</dl>

<section aria-labelledby="ids-h"><h2 id="ids-h">Identity graph</h2>
${scrolling('Identity graph picture', personGraph(person, data.edges, data.candidates))}
<p class="legend">Solid: joined · dashed: refused (kept apart) · dotted: a stitching candidate, never joined by itself.</p>
${idList('User IDs', 'user', person.userIds, site)}
${idList('Anonymous IDs', 'anonymous', person.anonymousIds, site)}
${idList('Devices', 'device', person.deviceIds, site)}
<h3>How the IDs were joined</h3>
${
  data.edges.length === 0
    ? html`<p>No links: one ID on its own.</p>`
    : scrolling(
        'Merge log',
        html`<table class="wide">
<thead><tr><th scope="col">When (UTC)</th><th scope="col">From</th><th scope="col">To</th><th scope="col">How</th><th scope="col">Outcome</th></tr></thead>
<tbody>${data.edges.map((edge) => html`<tr><td>${when(edge.at)}</td><td>${edge.from.kind} <span class="id">${shown(edge.from.id, 80)}</span></td><td>${edge.to.kind} <span class="id">${shown(edge.to.id, 80)}</span></td><td>${edge.how}</td><td>${edge.outcome}</td></tr>`)}</tbody>
</table>`,
      )
}
</section>

${personStanding(person)}

<section aria-labelledby="traits-h"><h2 id="traits-h">Traits</h2>
${Object.keys(person.traits).length === 0 ? html`<p>No traits.</p>` : html`<dl class="traits">${Object.entries(person.traits).map(([name, value]) => html`<dt>${shown(name, 80)}</dt><dd>${shown(value, 300)}</dd>`)}</dl>`}
</section>

<section aria-labelledby="consent-h"><h2 id="consent-h">Consent history</h2>
${
  person.consents.length === 0
    ? html`<p>No consent recorded.</p>`
    : html`<ol class="consents">${person.consents.map((record, i) => {
        const hash = record.consent.bannerTextHash;
        const text = hash ? data.bannerTexts[hash] : undefined;
        // A banner text given again is the same proof: it is shown once, at its first choice.
        const earlier = hash ? person.consents.findIndex((other) => other.consent.bannerTextHash === hash) : i;
        const granted = Object.entries(record.consent.categories ?? {})
          .map(([name, on]) => `${shown(name, 40)}: ${on ? 'yes' : 'no'}`)
          .join(', ');
        return html`<li><p><strong>${shown(record.consent.method, 30)}</strong> on ${when(record.timestamp)}, policy version ${shown(record.consent.policyVersion, 40)}${record.consent.locale ? html`, ${shown(record.consent.locale, 20)}` : ''}</p>
<p>${granted}</p>
${earlier < i && text ? html`<p class="hint">On the same banner text as choice ${earlier + 1}.</p>` : text ? html`<figure class="banner"><figcaption>The banner as shown</figcaption><dl>${Object.entries(text).map(([part, words]) => html`<dt>${shown(part, 40)}</dt><dd>${shown(words, 2000)}</dd>`)}</dl></figure>` : html`<p class="hint">No banner text kept for this choice.</p>`}</li>`;
      })}</ol>`
}
</section>

<section aria-labelledby="timeline-h"><h2 id="timeline-h">Timeline</h2>
${
  data.timeline.events.length === 0
    ? html`<p>No events.</p>`
    : scrolling(
        'Events, newest first',
        html`<table class="wide">
<thead><tr><th scope="col">When (UTC)</th><th scope="col">Type</th><th scope="col">Name</th><th scope="col">ID</th><th scope="col">Properties</th></tr></thead>
<tbody>${data.timeline.events.map(eventRow)}</tbody>
</table>`,
      )
}
${data.timeline.next ? html`<p><a href="${personPath(site, data.node.kind, data.node.id)}&amp;before=${encodeURIComponent(data.timeline.next)}#timeline-h">Older events</a></p>` : ''}
</section>

<section aria-labelledby="act-h"><h2 id="act-h">Export and erase</h2>
${
  canAct
    ? html`<form method="post" action="${personPath(site, key.kind, key.id, '/export')}">
<input type="hidden" name="csrf" value="${frame.session!.csrf}">
<button type="submit">Export everything held (GDPR Art. 15, JSON)</button>
</form>
<form method="post" action="${personPath(site, key.kind, key.id, '/erase')}" class="erase">
<input type="hidden" name="csrf" value="${frame.session!.csrf}">
<label for="confirm">To erase this person for good (GDPR Art. 17), type their ID <code class="id">${shown(key.id, 200)}</code></label>
<input id="confirm" name="confirm" type="text" autocomplete="off" required>
<button type="submit" class="danger">Erase</button>
</form>`
    : html`<p>Signed in read-only: export and erase need the admin token.</p>`
}
</section>`,
  );
}

function idList(label: string, kind: NodeRef['kind'], ids: string[], site: string) {
  if (ids.length === 0) return '';
  return html`<h3>${label}</h3><ul class="ids">${ids.map((id) => html`<li><a class="id" href="${personPath(site, kind, id)}">${shown(id, 200)}</a></li>`)}</ul>`;
}

function eventRow(event: StoredEvent) {
  const path = (event.properties as { path?: unknown } | undefined)?.path;
  const name = event.event ?? event.name ?? (typeof path === 'string' ? path : '');
  const details = event.properties ?? event.traits;
  return html`<tr><td>${when(event.timestamp)}</td><td>${event.type}</td><td>${shown(name, 120)}</td><td class="id">${shown(event.userId ?? event.anonymousId ?? '', 60)}</td><td class="props">${details ? shown(details, 200) : ''}</td></tr>`;
}

/** After an erasure: the receipt, which is all that is left. */
export function erasedPage(
  frame: Frame,
  receipt: { receiptId: string; erasedAt: string; pseudonym: string; erased: Record<string, number> },
) {
  return layout(
    { ...frame, title: 'Person erased', current: 'persons' },
    html`<h1>Person erased</h1>
<p role="status">Everything held on the person is gone; their consent records stay as proof, under a pseudonym.</p>
<dl class="facts">
<dt>Receipt</dt><dd class="id">${receipt.receiptId}</dd>
<dt>Erased at</dt><dd>${when(receipt.erasedAt)}</dd>
<dt>Pseudonym</dt><dd class="id">${receipt.pseudonym}</dd>
${Object.entries(receipt.erased).map(([what, count]) => html`<dt>${what}</dt><dd>${count}</dd>`)}
</dl>
<p><a href="/console?site=${encodeURIComponent(frame.site!)}">Back to persons</a></p>`,
  );
}
