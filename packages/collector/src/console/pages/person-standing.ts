// What Kith has worked out about a person: journey stage, audiences and computed traits as they
// were announced to the forwarders (audiences/), and the predicted scores with the fit they come
// from (figures/), so an operator sees how far to trust a score before acting on it.
import { html } from 'hono/html';
import type { PersonView } from '../../persons.ts';
import { shown, when } from '../text.ts';

// The traits figures/ writes from the fitted predictions, with what each means.
const SCORES: [trait: string, label: string][] = [
  ['p_alive', 'Probability still active'],
  ['expected_purchases_90d', 'Expected purchases, next 90 days'],
  ['predicted_ltv_365d', 'Predicted revenue, next 365 days'],
  ['likely_to_churn', 'Likely to churn'],
];

export function personStanding(person: PersonView) {
  const computed = Object.entries(person.computedTraits);
  const scores = SCORES.filter(([trait]) => trait in person.traits);
  const basis = person.predictions;
  return html`<section aria-labelledby="standing-h"><h2 id="standing-h">Stage, audiences and scores</h2>
<dl class="facts">
<dt>Journey stage</dt><dd>${person.stage === null ? 'None yet' : shown(person.stage, 80)}</dd>
<dt>Audiences</dt><dd>${person.audiences.length === 0 ? 'In no audience' : html`<ul class="tags">${person.audiences.map((key) => html`<li>${shown(key, 80)}</li>`)}</ul>`}</dd>
</dl>
<h3>Computed traits</h3>
${computed.length === 0 ? html`<p>No computed traits.</p>` : html`<dl class="traits">${computed.map(([key, value]) => html`<dt>${shown(key, 80)}</dt><dd>${shown(value, 300)}</dd>`)}</dl>`}
<h3>Predictions</h3>
${
  scores.length === 0 || !basis
    ? html`<p>No predicted scores: they appear once <code>kith predict fit</code> has run on the site's orders.</p>`
    : html`<dl class="traits">${scores.map(([trait, label]) => html`<dt>${label}</dt><dd>${shown(person.traits[trait], 40)}</dd>`)}</dl>
<p class="basis">Fitted ${when(basis.fittedAt)} on ${basis.customers} customers' orders from ${shown(basis.window.from, 10)} to ${shown(basis.window.calibrationEnd, 10)}; ${
        basis.holdout
          ? html`checked on the ${basis.holdout.weeks} weeks to ${shown(basis.window.to, 10)}: ${round(basis.holdout.predicted)} repeat purchases predicted, ${basis.holdout.actual} made (${Math.round(basis.holdout.relativeError * 100)}% off).`
          : 'no holdout check (no orders after the calibration period).'
      }</p>`
}
</section>`;
}

const round = (value: number) => Math.round(value * 10) / 10;
