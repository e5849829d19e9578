// Persons: the search and the recent list, the console's first page.
import { html } from 'hono/html';
import type { PersonHit, Storage } from '../../storage/storage.ts';
import { layout, scrolling, type Frame } from '../layout.ts';
import { personPath } from '../paths.ts';
import { shown, when } from '../text.ts';

const SEARCH_LIMIT = 50;
const RECENT = 20;

export interface HomeData {
  query: string;
  /** Null when nothing was searched. */
  found: PersonHit[] | null;
  recent: PersonHit[];
}

export async function loadHome(storage: Storage, site: string, query: string): Promise<HomeData> {
  const text = query.trim().slice(0, 500);
  const [found, nodes] = await Promise.all([
    text === '' ? null : storage.findPersons(site, text, SEARCH_LIMIT),
    storage.recentPersons(site, RECENT * 5),
  ]);
  // A person once, shown by the node the graph learnt last.
  const persons = new Map<string, PersonHit>();
  for (const node of nodes) if (!persons.has(node.personId)) persons.set(node.personId, node);
  return { query: text, found, recent: [...persons.values()].slice(0, RECENT) };
}

export function homePage(frame: Frame, data: HomeData) {
  const site = frame.site!;
  const list = (label: string, hits: PersonHit[]) =>
    scrolling(
      label,
      html`<table>
<caption>${label}</caption>
<thead><tr><th scope="col">ID</th><th scope="col">Kind</th><th scope="col">First seen (UTC)</th></tr></thead>
<tbody>${hits.map((hit) => html`<tr><td><a href="${personPath(site, hit.kind, hit.id)}">${shown(hit.id, 80)}</a></td><td>${hit.kind}</td><td>${when(hit.firstSeen)}</td></tr>`)}</tbody>
</table>`,
    );
  return layout(
    { ...frame, title: 'Persons', current: 'persons' },
    html`<h1>Persons</h1>
<form method="get" action="/console" role="search" class="search">
<input type="hidden" name="site" value="${site}">
<label for="q">Find a person by user ID, anonymous ID, device ID or e-mail (exact, or how it starts)</label>
<div class="row"><input id="q" name="q" type="search" value="${data.query}" autocomplete="off"><button type="submit">Search</button></div>
</form>
${
  data.found === null
    ? ''
    : data.found.length === 0
      ? html`<p role="status">Nobody matches “${shown(data.query, 80)}”.</p>`
      : list(`Persons matching “${shown(data.query, 80)}”`, data.found)
}
${data.recent.length === 0 ? html`<p>No persons yet: they appear once a visitor consents and is seen.</p>` : list('Recent persons', data.recent)}`,
  );
}
