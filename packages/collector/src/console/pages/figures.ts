// The shop's figures over a period (figures/): conversion, revenue, order value, repeat purchases,
// the retention of each month's new customers, and consent rates. Apart from the overview because
// they are computed from the site's events per person, while the overview reads per-day counts.
import { html } from 'hono/html';
import type { Figures } from '../../figures/figures.ts';
import { siteFigures } from '../../figures/service.ts';
import type { Storage } from '../../storage/storage.ts';
import { layout, scrolling, type Frame } from '../layout.ts';
import { barsAcross } from '../plots.ts';
import { shown } from '../text.ts';
import type { Period } from './overview.ts';

const DAY_MS = 24 * 60 * 60 * 1000;

export function loadFigures(storage: Storage, site: string, period: Period): Promise<Figures> {
  const from = new Date(Date.parse(period.from)).toISOString();
  const to = new Date(Date.parse(period.to) + DAY_MS).toISOString();
  return siteFigures(storage, site, { from, to });
}

const percent = (value: number) => `${Math.round(value * 1000) / 10}%`;
const money = (value: number) => (Math.round(value * 100) / 100).toFixed(2);

export function figuresPage(frame: Frame, period: Period, figures: Figures) {
  const site = frame.site!;
  const choices = Object.entries(figures.consent.byMethod);
  return layout(
    { ...frame, title: 'Figures', current: 'figures' },
    html`<h1>Figures of ${site}</h1>
<form method="get" action="/console/figures" class="filters">
<input type="hidden" name="site" value="${site}">
<div><label for="from">From</label><input id="from" name="from" type="date" value="${period.from}" required></div>
<div><label for="to">To</label><input id="to" name="to" type="date" value="${period.to}" required></div>
<button type="submit">Show</button>
</form>
${period.notice ? html`<p class="error" role="alert">${period.notice}</p>` : ''}
<p>Persons from ${period.from} to ${period.to} (UTC); a customer on two devices counts once.</p>
<dl class="figures">
<div><dt>Visitors</dt><dd>${figures.visitors}</dd></div>
<div><dt>Identified</dt><dd>${percent(figures.identifiedShare)}</dd></div>
<div><dt>Conversion</dt><dd>${percent(figures.conversionRate)}</dd></div>
<div><dt>Orders</dt><dd>${figures.orders}</dd></div>
<div><dt>Revenue</dt><dd>${money(figures.revenue)}</dd></div>
<div><dt>Average order value</dt><dd>${money(figures.averageOrderValue)}</dd></div>
<div><dt>Repeat purchase rate</dt><dd>${percent(figures.repeatPurchaseRate)}</dd></div>
<div><dt>Consents given</dt><dd>${figures.consent.choices}</dd></div>
</dl>

<section aria-labelledby="cohorts-h"><h2 id="cohorts-h">Retention by month of first order</h2>
${
  figures.cohorts.length === 0
    ? html`<p>No orders in this period.</p>`
    : scrolling(
        'Retention cohorts',
        html`<table class="cohorts">
<caption>Share of each month's new customers who ordered again, by months since their first order</caption>
<thead><tr><th scope="col">First order</th><th scope="col">Customers</th>${(figures.cohorts[0]?.ordering ?? []).map((_, i) => html`<th scope="col">Month ${i}</th>`)}</tr></thead>
<tbody>${figures.cohorts.map(
          (cohort) =>
            html`<tr><th scope="row">${shown(cohort.month, 10)}</th><td>${cohort.customers}</td>${cohort.ordering.map(
              (ordering) => {
                const share = cohort.customers === 0 ? 0 : ordering / cohort.customers;
                return html`<td class="heat-${Math.min(4, Math.floor(share * 5))}">${percent(share)}</td>`;
              },
            )}</tr>`,
        )}</tbody>
</table>`,
      )
}
</section>

<div class="plots">
${barsAcross(
  'Consent rates',
  [
    { label: 'Analytics granted', value: figures.consent.analytics },
    { label: 'Marketing granted', value: figures.consent.marketing },
  ].filter(() => figures.consent.choices > 0),
  percent,
)}
${barsAcross(
  'Consent choices by how they were made',
  choices.map(([method, count]) => ({ label: method, value: count })),
)}
</div>`,
  );
}
