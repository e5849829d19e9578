// Plots drawn on the server as SVG with d3-scale: no plotting code reaches the browser, every
// label is text, and a phone gets the same picture scaled down. Each plot comes with its numbers
// as a table for screen readers and for anyone who wants the exact values.
import { scaleBand, scaleLinear } from 'd3-scale';
import { html } from 'hono/html';
import type { Markup } from './layout.ts';
import { shown } from './text.ts';

export interface Bar {
  label: string;
  value: number;
}

// Narrow, so that a phone shows the plots near their own size (labels stay readable at 375 px);
// a wide screen scales them up.
const WIDTH = 400;
const LABEL_CHARS = 44;

/** Bars across, each under its label: names of any length get the plot's whole width. */
export function barsAcross(title: string, bars: Bar[], format: (value: number) => string = String): Markup {
  const rowHeight = 44;
  const height = Math.max(1, bars.length) * rowHeight + 4;
  const x = scaleLinear()
    .domain([0, Math.max(1, ...bars.map((bar) => bar.value))])
    .nice()
    .range([0, WIDTH - 64]);
  return plot(
    title,
    bars,
    format,
    html`<svg viewBox="0 0 ${WIDTH} ${height}" role="img" aria-label="${title}">
${bars.map((bar, i) => {
  const top = 4 + i * rowHeight;
  return html`<text class="label" x="0" y="${top + 14}">${shown(bar.label.length > LABEL_CHARS ? `${bar.label.slice(0, LABEL_CHARS - 1)}…` : bar.label)}</text>
<rect class="bar" x="0" y="${top + 20}" width="${Math.max(1, x(bar.value))}" height="16"/>
<text class="axis" x="${x(bar.value) + 6}" y="${top + 33}">${format(bar.value)}</text>`;
})}
</svg>`,
  );
}

/** Columns over days, with a value axis: how something went over the period. */
export function columnsByDay(title: string, bars: Bar[], format: (value: number) => string = String): Markup {
  const height = 200;
  const left = 40;
  const bottom = 30;
  const y = scaleLinear()
    .domain([0, Math.max(1, ...bars.map((bar) => bar.value))])
    .nice()
    .range([height - bottom, 10]);
  const x = scaleBand()
    .domain(bars.map((bar) => bar.label))
    .range([left, WIDTH - 6])
    .padding(0.15);
  // About six day labels, however many days there are.
  const every = Math.max(1, Math.ceil(bars.length / 6));
  return plot(
    title,
    bars,
    format,
    html`<svg viewBox="0 0 ${WIDTH} ${height}" role="img" aria-label="${title}">
${y.ticks(4).map((tick) => html`<line class="grid" x1="${left}" x2="${WIDTH - 6}" y1="${y(tick)}" y2="${y(tick)}"/><text class="axis" x="${left - 6}" y="${y(tick) + 4}" text-anchor="end">${format(tick)}</text>`)}
${bars.map(
  (
    bar,
    i,
  ) => html`<rect class="bar" x="${x(bar.label)}" y="${y(bar.value)}" width="${x.bandwidth()}" height="${Math.max(0, height - bottom - y(bar.value))}"/>
${i % every === 0 ? html`<text class="axis" x="${(x(bar.label) ?? 0) + x.bandwidth() / 2}" y="${height - bottom + 16}" text-anchor="middle">${bar.label.slice(5)}</text>` : ''}`,
)}
</svg>`,
  );
}

function plot(title: string, bars: Bar[], format: (value: number) => string, svg: Markup): Markup {
  return html`<figure class="plot"><figcaption><h3>${title}</h3></figcaption>
${bars.length === 0 ? html`<p>Nothing in this period.</p>` : svg}
${
  bars.length === 0
    ? ''
    : html`<details><summary>Numbers</summary><table><thead><tr><th scope="col">What</th><th scope="col">Value</th></tr></thead>
<tbody>${bars.map((bar) => html`<tr><td>${shown(bar.label, 120)}</td><td>${format(bar.value)}</td></tr>`)}</tbody></table></details>`
}
</figure>`;
}
