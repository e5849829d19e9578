import { html } from 'hono/html';
import type { HtmlEscapedString } from 'hono/utils/html';
import type { Session } from './session.ts';

export type Markup = HtmlEscapedString | Promise<HtmlEscapedString>;

export interface Frame {
  title: string;
  /** Absent on the sign-in page. */
  session?: Session;
  /** The site shown, and the config's sites (a switcher when there are several). */
  site?: string;
  sites?: string[];
  /** Which navigation entry is current. */
  current?: 'persons' | 'live' | 'overview' | 'figures' | 'destinations';
  /** Client modules the page needs, by their name under /console/assets/. */
  scripts?: string[];
}

const NAV = [
  ['persons', 'Persons', '/console'],
  ['live', 'Live events', '/console/live'],
  ['overview', 'Overview', '/console/overview'],
  ['figures', 'Figures', '/console/figures'],
  ['destinations', 'Destinations', '/console/destinations'],
] as const;

/** The one layout of every console page: navigation, sign-out, the page's main content. */
export function layout(frame: Frame, main: Markup): Markup {
  const { session, site, sites = [] } = frame;
  const query = site && sites.length > 1 ? `?site=${encodeURIComponent(site)}` : '';
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${frame.title} · Kith console</title>
<link rel="stylesheet" href="/console/assets/console.css">
${(frame.scripts ?? []).map((name) => html`<script type="module" src="/console/assets/${name}"></script>`)}
</head>
<body>
<a class="skip" href="#main">Skip to content</a>
<header class="top">
<a class="brand" href="/console">Kith console</a>
${
  session
    ? html`<nav aria-label="Console">
${NAV.map(([key, label, path]) => html`<a href="${path}${query}"${key === frame.current ? html` aria-current="page"` : ''}>${label}</a>`)}
</nav>
<div class="who">
${
  sites.length > 1
    ? html`<form method="get" action="" class="site-switch"><label for="site-switch">Site</label>
<select id="site-switch" name="site">${sites.map((id) => html`<option value="${id}"${id === site ? html` selected` : ''}>${id}</option>`)}</select>
<button type="submit">Show</button></form>`
    : ''
}
<span class="role">${session.role === 'admin' ? 'Admin' : 'Viewer (read-only)'}</span>
<form method="post" action="/console/signout"><input type="hidden" name="csrf" value="${session.csrf}"><button type="submit">Sign out</button></form>
</div>`
    : ''
}
</header>
<main id="main">
${main}
</main>
</body>
</html>`;
}

/** A table that may be wider than the screen: it scrolls on its own, and the keyboard can scroll it. */
export function scrolling(label: string, table: Markup): Markup {
  return html`<div class="scroll" tabindex="0" role="region" aria-label="${label}">${table}</div>`;
}
