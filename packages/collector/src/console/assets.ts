// The console's stylesheet and client modules, served by the collector itself (no inline script or
// style: the CSP forbids both). Kept as text here so that Node and the Worker bundle serve the same.
import type { Context } from 'hono';

const CSS = `
:root { --fg: #1a1a1a; --muted: #4d4d4d; --bg: #fff; --line: #c8c8c8; --accent: #1d4ed8; --danger: #b91c1c; --soft: #f3f4f6; color-scheme: light; }
* { box-sizing: border-box; }
body { margin: 0; font: 16px/1.5 system-ui, -apple-system, "Segoe UI", sans-serif; color: var(--fg); background: var(--bg); }
a { color: var(--accent); }
:focus-visible { outline: 3px solid var(--accent); outline-offset: 2px; }
.skip { position: absolute; left: -999px; top: 0; background: var(--bg); padding: .5rem; }
.skip:focus { left: .5rem; }
.top { display: flex; flex-wrap: wrap; gap: .5rem 1.5rem; align-items: center; padding: .75rem 1rem; border-bottom: 1px solid var(--line); }
.brand { font-weight: 700; color: var(--fg); text-decoration: none; }
.top nav { display: flex; flex-wrap: wrap; gap: .25rem 1rem; }
.top nav a { padding: .25rem 0; }
.top nav a[aria-current="page"] { font-weight: 700; color: var(--fg); text-decoration-thickness: 3px; }
.who { display: flex; flex-wrap: wrap; gap: .5rem; align-items: center; margin-left: auto; }
.who form { margin: 0; }
.role { color: var(--muted); font-size: .9rem; }
main { padding: 1rem; max-width: 72rem; }
h1 { font-size: 1.5rem; margin: .5rem 0 1rem; overflow-wrap: anywhere; }
h2 { font-size: 1.2rem; margin-top: 2rem; border-bottom: 1px solid var(--line); }
h3 { font-size: 1rem; }
button, input, select { font: inherit; }
button { padding: .4rem .9rem; border: 1px solid var(--accent); background: var(--accent); color: #fff; border-radius: 6px; cursor: pointer; min-height: 2.5rem; }
.who button { background: var(--bg); color: var(--accent); }
button.danger { background: var(--danger); border-color: var(--danger); }
button[aria-pressed="true"] { background: var(--fg); border-color: var(--fg); }
input, select { padding: .4rem .5rem; border: 1px solid #767676; border-radius: 6px; min-height: 2.5rem; max-width: 100%; }
label { display: block; font-weight: 600; margin: .5rem 0 .25rem; }
.row { display: flex; gap: .5rem; flex-wrap: wrap; }
.row input { flex: 1 1 16rem; }
.signin { max-width: 26rem; }
.signin input { width: 100%; margin-bottom: .75rem; }
.hint, .legend { color: var(--muted); font-size: .9rem; }
.error { color: var(--danger); font-weight: 600; }
.scroll { overflow-x: auto; max-width: 100%; margin: .5rem 0; }
.scroll table.wide { min-width: 40rem; }
table { border-collapse: collapse; width: 100%; font-size: .95rem; }
caption { text-align: left; font-weight: 700; padding: .5rem 0; }
th, td { text-align: left; padding: .35rem .6rem .35rem 0; border-bottom: 1px solid var(--line); vertical-align: top; }
td { overflow-wrap: break-word; }
td.props { max-width: 28rem; font-family: ui-monospace, monospace; font-size: .85rem; }
.id, code { font-family: ui-monospace, "SFMono-Regular", monospace; overflow-wrap: anywhere; }
/* In a table, anywhere would let a column shrink to one letter; break-word keeps IDs whole and the table scrolls. */
td .id, td.id, th .id { overflow-wrap: break-word; }
td.props { min-width: 14rem; }
.facts { display: grid; grid-template-columns: fit-content(40%) 1fr; gap: .25rem 1rem; }
.facts dt { overflow-wrap: anywhere; }
.facts dd, .traits dd { margin: 0; overflow-wrap: anywhere; }
.traits { display: grid; grid-template-columns: fit-content(40%) 1fr; gap: .25rem 1rem; }
.traits dt { font-weight: 600; overflow-wrap: anywhere; }
.ids { padding-left: 1.25rem; }
.consents > li { margin-bottom: 1rem; }
.banner { margin: .5rem 0; padding: .75rem; background: var(--soft); border-left: 4px solid var(--accent); }
.banner figcaption { font-weight: 600; }
.banner dt { font-weight: 600; font-size: .85rem; color: var(--muted); margin-top: .5rem; }
.banner dd { margin: 0; overflow-wrap: anywhere; }
.erase { margin-top: 1rem; }
.erase input { width: min(100%, 24rem); display: block; margin-bottom: .5rem; }
.filters { display: flex; flex-wrap: wrap; gap: .5rem 1rem; align-items: end; }
tr.refused td { color: var(--danger); }
.graph { font-size: 14px; width: 100%; min-width: 64rem; height: auto; }
.graph .column { font-weight: 700; fill: var(--fg); }
.graph rect { fill: #fff; stroke: var(--fg); stroke-width: 1.5; }
.graph .user rect { fill: #e0ecff; }
.graph .device rect { fill: #f1ecdf; }
.graph .outside rect { stroke-dasharray: 6 4; fill: #fff; stroke: var(--danger); }
.graph .candidate rect { stroke-dasharray: 2 3; fill: #fff; }
.graph .kind { font-size: 12px; fill: var(--muted); }
.graph .id { fill: var(--fg); font-size: 12.5px; }
.graph path { fill: none; stroke: var(--fg); stroke-width: 1.5; }
.graph .arrowhead { fill: var(--fg); stroke: none; }
.graph .refused path { stroke: var(--danger); stroke-dasharray: 6 4; }
.graph .candidate path { stroke-dasharray: 2 3; }
.graph .link text { font-size: 12px; fill: var(--fg); paint-order: stroke; stroke: #fff; stroke-width: 4px; }
.plots { display: grid; grid-template-columns: repeat(auto-fit, minmax(min(100%, 28rem), 1fr)); gap: 1rem 2rem; }
.plot { margin: 0; }
.plot svg { width: 100%; height: auto; }
.plot .bar { fill: var(--accent); }
.plot .bar.alt { fill: #9a3412; }
.plot .axis { fill: var(--muted); font-size: 11px; }
.plot .label { fill: var(--fg); font-size: 13px; }
@media (max-width: 40rem) { .plot .axis { font-size: 13px; } .plot .label { font-size: 15px; } }
.plot .grid { stroke: var(--line); }
.tags { display: flex; flex-wrap: wrap; gap: .25rem .5rem; list-style: none; margin: 0; padding: 0; }
.tags li { padding: 0 .5rem; border: 1px solid var(--line); border-radius: 1rem; background: var(--soft); overflow-wrap: anywhere; }
.basis { color: var(--muted); font-size: .9rem; }
.figures { display: grid; grid-template-columns: repeat(auto-fill, minmax(10rem, 1fr)); gap: .75rem; margin: 1rem 0; }
.figures div { border: 1px solid var(--line); border-radius: 6px; padding: .5rem .75rem; }
.figures dt { color: var(--muted); font-size: .9rem; }
.figures dd { margin: 0; font-size: 1.4rem; font-weight: 700; }
table.cohorts { width: auto; }
table.cohorts td, table.cohorts th { text-align: right; padding-left: .6rem; white-space: nowrap; }
table.cohorts .heat-1 { background: #eef3ff; }
table.cohorts .heat-2 { background: #dbe6ff; }
table.cohorts .heat-3 { background: #c3d5ff; }
table.cohorts .heat-4 { background: #a9c2ff; }
.plot .line { fill: none; stroke: var(--accent); stroke-width: 2; }
@media (max-width: 40rem) { main { padding: .75rem; } .who { margin-left: 0; } }
`;

// The live view: filled from /console/live/events, then followed by server-sent events or polling.
// Everything is written with textContent: event values never become markup.
const LIVE = `
const root = document.getElementById('live');
const site = root.dataset.site;
const rows = document.getElementById('live-rows');
const status = document.getElementById('live-status');
const type = document.getElementById('live-type');
const text = document.getElementById('live-text');
const pause = document.getElementById('live-pause');
const CAPACITY = 500;
let entries = [];
let last = 0;
let paused = false;
let unseen = 0;
const q = encodeURIComponent;

const matches = (e) => {
  if (type.value === 'refused' ? e.status !== 'refused' : type.value && e.type !== type.value) return false;
  const wanted = text.value.trim().toLowerCase();
  return !wanted || [e.name, e.anonymousId, e.userId, e.deviceId].some((v) => v && v.toLowerCase().includes(wanted));
};
// As text.ts shown(): direction overrides and invisible characters spelled out, long values cut.
const visible = (value) => {
  const text = value ?? '';
  const cut = text.length > 200 ? text.slice(0, 200) + '… (' + text.length + ' characters)' : text;
  return cut.replace(/[\\u0000-\\u0008\\u000b-\\u001f\\u007f-\\u009f\\u061c\\u200b-\\u200f\\u202a-\\u202e\\u2060-\\u2069\\ufeff]/gu,
    (c) => '⟨U+' + c.codePointAt(0).toString(16).toUpperCase().padStart(4, '0') + '⟩');
};
const cell = (tr, value) => { const td = tr.insertCell(); td.textContent = visible(value); return td; };
const row = (e) => {
  const tr = document.createElement('tr');
  tr.className = e.status;
  cell(tr, e.receivedAt.slice(0, 19).replace('T', ' '));
  cell(tr, e.status);
  cell(tr, e.type);
  cell(tr, e.name);
  const id = cell(tr, '');
  const kind = e.userId ? 'user' : e.anonymousId ? 'anonymous' : '';
  if (kind) {
    const a = document.createElement('a');
    a.href = '/console/person/' + kind + '/' + q(e.userId ?? e.anonymousId) + '?site=' + q(site);
    a.textContent = visible(e.userId ?? e.anonymousId);
    a.className = 'id';
    id.append(a);
  }
  cell(tr, e.reason ? e.reason + ': ' + e.message : '');
  return tr;
};
const render = () => {
  unseen = 0;
  const shown = entries.filter(matches);
  rows.replaceChildren(...shown.map(row));
  status.textContent = shown.length + ' of ' + entries.length + ' events shown' + (paused ? ', paused' : '');
  pause.textContent = 'Pause';
};
const add = (list) => {
  const fresh = list.filter((e) => e.seq > last);
  if (fresh.length === 0) return;
  last = fresh[fresh.length - 1].seq;
  entries = fresh.reverse().concat(entries).slice(0, CAPACITY);
  if (!paused) return render();
  unseen += fresh.length;
  pause.textContent = 'Resume (' + unseen + ' new)';
};
const load = async () => {
  const res = await fetch('/console/live/events?site=' + q(site) + '&after=' + last, { headers: { accept: 'application/json' } });
  if (res.status === 401) { status.textContent = 'Signed out: reload the page to sign in again.'; return false; }
  if (res.ok) add((await res.json()).entries);
  return true;
};
type.addEventListener('change', render);
text.addEventListener('input', render);
document.getElementById('live-filters').addEventListener('submit', (e) => e.preventDefault());
pause.addEventListener('click', () => {
  paused = !paused;
  pause.setAttribute('aria-pressed', String(paused));
  render();
});
if (await load()) {
  render();
  if (root.dataset.mode === 'push' && 'EventSource' in window) {
    const source = new EventSource('/console/live/stream?site=' + q(site) + '&after=' + last);
    source.addEventListener('entries', (message) => add(JSON.parse(message.data)));
    source.addEventListener('error', () => { if (source.readyState === EventSource.CLOSED) status.textContent = 'Disconnected: reload the page.'; });
  } else {
    const poll = async () => { if (await load().catch(() => true)) setTimeout(poll, 1000); };
    setTimeout(poll, 1000);
  }
}
`;

const ASSETS: Record<string, { type: string; body: string }> = {
  'console.css': { type: 'text/css; charset=utf-8', body: CSS },
  'live.js': { type: 'text/javascript; charset=utf-8', body: LIVE },
};

/** GET /console/assets/:name: public (they hold no data), cached briefly. */
export function assetHandler(c: Context) {
  const asset = ASSETS[c.req.param('name') ?? ''];
  if (!asset) return c.text('No such console asset.', 404);
  return c.body(asset.body, 200, {
    'Content-Type': asset.type,
    'Cache-Control': 'public, max-age=300',
    'X-Content-Type-Options': 'nosniff',
  });
}
