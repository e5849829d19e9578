// Live events: the page is a frame; /console/assets/live.js fills it from /console/live/events
// and then follows by server-sent events (Node) or by polling (Workers).
import { html } from 'hono/html';
import { LIVE_CAPACITY } from '../live-feed.ts';
import { layout, scrolling, type Frame } from '../layout.ts';

const TYPES = ['track', 'page', 'identify', 'alias', 'group', 'screen', 'consent'];

export function livePage(frame: Frame, mode: 'push' | 'poll') {
  const site = frame.site!;
  return layout(
    { ...frame, title: 'Live events', current: 'live', scripts: ['live.js'] },
    html`<h1>Live events</h1>
<p>The last ${LIVE_CAPACITY} events of this site as they arrive, newest first: accepted, and refused with the reason (a refused event's content is never kept).</p>
<div id="live" class="live" data-site="${site}" data-mode="${mode}">
<form class="filters" id="live-filters">
<div><label for="live-type">Type</label>
<select id="live-type"><option value="">All</option><option value="refused">Refused only</option>${TYPES.map((type) => html`<option value="${type}">${type}</option>`)}</select></div>
<div><label for="live-text">Event name or ID</label><input id="live-text" type="search" autocomplete="off"></div>
<button type="button" id="live-pause" aria-pressed="false">Pause</button>
</form>
<p id="live-status" role="status" aria-live="polite">Connecting…</p>
${scrolling(
  'Live events',
  html`<table class="wide">
<thead><tr><th scope="col">Received (UTC)</th><th scope="col">Status</th><th scope="col">Type</th><th scope="col">Name</th><th scope="col">ID</th><th scope="col">Reason</th></tr></thead>
<tbody id="live-rows"></tbody>
</table>`,
)}
</div>`,
  );
}
