// The overview of a site over a period, as plots: traffic, identification, consent, top events, refusals.
import { html } from 'hono/html';
import type { SiteOverview, Storage } from '../../storage/storage.ts';
import { layout, type Frame } from '../layout.ts';
import { barsAcross, columnsByDay } from '../plots.ts';

const DAY_MS = 24 * 60 * 60 * 1000;
const LONGEST_DAYS = 366;

export interface Period {
  /** First and last day shown, YYYY-MM-DD (UTC), both included. */
  from: string;
  to: string;
  /** Set when the asked period could not be used. */
  notice?: string;
}

/** The asked period, or the last 30 days up to today. */
export function periodOf(from: string | undefined, to: string | undefined, today: Date): Period {
  const fallback = { from: day(new Date(today.getTime() - 29 * DAY_MS)), to: day(today) };
  if (from === undefined && to === undefined) return fallback;
  const valid = (value: string | undefined) =>
    value !== undefined && /^\d{4}-\d{2}-\d{2}$/.test(value) && !Number.isNaN(Date.parse(value));
  if (!valid(from) || !valid(to))
    return { ...fallback, notice: 'Give both dates as YYYY-MM-DD; showing the last 30 days.' };
  const span = (Date.parse(to!) - Date.parse(from!)) / DAY_MS;
  if (span < 0 || span >= LONGEST_DAYS)
    return {
      ...fallback,
      notice: `The first date must come before the last, at most ${LONGEST_DAYS} days apart; showing the last 30 days.`,
    };
  return { from: from!, to: to! };
}

export async function loadOverview(storage: Storage, site: string, period: Period): Promise<SiteOverview> {
  const end = new Date(Date.parse(period.to) + DAY_MS).toISOString();
  return storage.overview(site, new Date(Date.parse(period.from)).toISOString(), end);
}

const percent = (value: number) => `${Math.round(value * 100)}%`;
const CHOICE: Record<string, string> = {
  'accept-all': 'Accept all',
  'reject-all': 'Reject all',
  custom: 'Custom',
  gpc: 'GPC',
  withdraw: 'Withdrawn',
  api: 'Through the API',
};

export function overviewPage(frame: Frame, period: Period, data: SiteOverview) {
  const site = frame.site!;
  const events = data.days.reduce((sum, d) => sum + d.events, 0);
  return layout(
    { ...frame, title: 'Overview', current: 'overview' },
    html`<h1>Overview of ${site}</h1>
<form method="get" action="/console/overview" class="filters">
<input type="hidden" name="site" value="${site}">
<div><label for="from">From</label><input id="from" name="from" type="date" value="${period.from}" required></div>
<div><label for="to">To</label><input id="to" name="to" type="date" value="${period.to}" required></div>
<button type="submit">Show</button>
</form>
${period.notice ? html`<p class="error" role="alert">${period.notice}</p>` : ''}
<p>${events} events from ${period.from} to ${period.to} (UTC). <a href="/console/figures?site=${encodeURIComponent(site)}&amp;from=${period.from}&amp;to=${period.to}">Shop figures for these days</a>: conversion, revenue, repeat purchases, retention.</p>
<div class="plots">
${columnsByDay(
  'Events per day',
  data.days.map((d) => ({ label: d.day, value: d.events })),
)}
${columnsByDay(
  'Persons per day',
  data.days.map((d) => ({ label: d.day, value: d.persons })),
)}
${columnsByDay(
  'Share of persons identified (with a user ID)',
  data.days.map((d) => ({ label: d.day, value: d.persons === 0 ? 0 : d.identified / d.persons })),
  percent,
)}
${barsAcross(
  'Consent choices by policy version',
  data.consentChoices.map((c) => ({ label: `${CHOICE[c.method] ?? c.method} · v${c.policyVersion}`, value: c.count })),
)}
${barsAcross(
  'Consent granted, by category',
  data.consentCategories.map((c) => ({ label: c.category, value: c.total === 0 ? 0 : c.granted / c.total })),
  percent,
)}
${barsAcross(
  'Top events',
  data.topEvents.map((e) => ({ label: e.name, value: e.count })),
)}
${barsAcross(
  'Refused events by reason',
  data.refused.map((r) => ({ label: r.reason, value: r.count })),
)}
</div>`,
  );
}

const day = (date: Date) => date.toISOString().slice(0, 10);
