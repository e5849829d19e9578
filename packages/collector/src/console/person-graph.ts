// The identity graph of one person as an SVG picture: a column per kind of ID, an arrow per edge
// labelled with how and when it was learnt. Every ID stays text (clipped to its box, not cut), so a
// screen reader and the browser's search find it. Refused edges and stitching candidates lead to
// nodes outside the person and are drawn dashed and dotted.
import { html } from 'hono/html';
import type { EdgeRecord, NodeKind, NodeRef, Person, StitchCandidate } from '../storage/storage.ts';
import type { Markup } from './layout.ts';
import { shown, when } from './text.ts';

const COLUMNS: readonly NodeKind[] = ['user', 'anonymous', 'device'];
// Wide enough for a UUID in the ID font; the picture scales to the page and scrolls on a phone.
const BOX_W = 300;
const BOX_H = 46;
const GAP_X = 170;
const ROW_H = 92;
const TOP = 40;

interface Placed extends NodeRef {
  x: number;
  y: number;
  /** In the person, outside it (the other end of a refused edge), or a stitching candidate. */
  role: 'member' | 'outside' | 'candidate';
}

interface Line {
  from: Placed;
  to: Placed;
  /** Two lines, how and when, so a label fits the gap between columns. */
  label: [string, string];
  kind: 'edge' | 'refused' | 'candidate';
}

export function personGraph(person: Person, edges: EdgeRecord[], candidates: StitchCandidate[]): Markup {
  const nodes = new Map<string, Placed>();
  const perColumn = new Map<NodeKind, number>();
  const place = (node: NodeRef, role: Placed['role']) => {
    const key = `${node.kind}:${node.id}`;
    let placed = nodes.get(key);
    if (!placed) {
      const column = COLUMNS.indexOf(node.kind);
      const row = perColumn.get(node.kind) ?? 0;
      perColumn.set(node.kind, row + 1);
      nodes.set(key, (placed = { ...node, role, x: column * (BOX_W + GAP_X), y: TOP + row * ROW_H }));
    }
    return placed;
  };
  person.userIds.forEach((id) => place({ kind: 'user', id }, 'member'));
  person.anonymousIds.forEach((id) => place({ kind: 'anonymous', id }, 'member'));
  person.deviceIds.forEach((id) => place({ kind: 'device', id }, 'member'));
  const lines: Line[] = edges.map((edge) => ({
    from: place(edge.from, 'outside'),
    to: place(edge.to, 'outside'),
    label: [`${edge.how} · `, `${when(edge.at)}${edge.outcome === 'refused' ? ' · refused' : ''}`],
    kind: edge.outcome === 'refused' ? 'refused' : 'edge',
  }));
  const members = new Set(person.anonymousIds);
  for (const candidate of candidates) {
    const [mine, other] = members.has(candidate.anonymousId)
      ? [candidate.anonymousId, candidate.candidateId]
      : [candidate.candidateId, candidate.anonymousId];
    lines.push({
      from: place({ kind: 'anonymous', id: mine }, 'member'),
      to: place({ kind: 'anonymous', id: other }, 'candidate'),
      label: ['candidate · ', `score ${candidate.score.toFixed(2)}`],
      kind: 'candidate',
    });
  }
  const rows = Math.max(1, ...perColumn.values());
  const width = COLUMNS.length * BOX_W + (COLUMNS.length - 1) * GAP_X;
  const height = TOP + rows * ROW_H;

  return html`<svg class="graph" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" aria-labelledby="graph-title">
<title id="graph-title">Identity graph: ${nodes.size} IDs, ${lines.length} links</title>
<defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" class="arrowhead"/></marker></defs>
${COLUMNS.map((kind, i) => html`<text class="column" x="${i * (BOX_W + GAP_X)}" y="20">${kind === 'user' ? 'User IDs' : kind === 'anonymous' ? 'Anonymous IDs' : 'Devices'}</text>`)}
${lines.map(drawLine)}
${[...nodes.values()].map(drawNode)}
</svg>`;
}

function drawLine(line: Line): Markup {
  const { from, to } = line;
  const middle = (node: Placed) => node.y + BOX_H / 2;
  let path: string;
  // The label sits at the edge's source end: every source has its own row, so labels never meet.
  let label: { x: number; y: number; anchor: 'start' | 'end' };
  if (from.x === to.x) {
    // Within a column (alias, linker, candidates): an arc out to the right.
    const right = from.x + BOX_W;
    const bend = right + 80;
    path = `M${right},${middle(from)} C${bend},${middle(from)} ${bend},${middle(to)} ${right},${middle(to)}`;
    label = { x: bend - 14, y: (middle(from) + middle(to)) / 2 + 4, anchor: 'start' };
  } else {
    // Above the line, or below it when the line climbs (so it never crosses its own label).
    const y = to.y < from.y ? middle(from) + 16 : middle(from) - 22;
    if (from.x > to.x) {
      path = `M${from.x},${middle(from)} L${to.x + BOX_W},${middle(to)}`;
      label = { x: from.x - 8, y, anchor: 'end' };
    } else {
      path = `M${from.x + BOX_W},${middle(from)} L${to.x},${middle(to)}`;
      label = { x: from.x + BOX_W + 8, y, anchor: 'start' };
    }
  }
  return html`<g class="link ${line.kind}"><path d="${path}" marker-end="url(#arrow)"/><text x="${label.x}" y="${label.y}" text-anchor="${label.anchor}"><tspan>${line.label[0]}</tspan><tspan x="${label.x}" dy="14">${line.label[1]}</tspan></text></g>`;
}

function drawNode(node: Placed): Markup {
  const note =
    node.role === 'outside' ? ' (another person)' : node.role === 'candidate' ? ' (candidate, not joined)' : '';
  return html`<g class="node ${node.kind} ${node.role}">
<rect x="${node.x}" y="${node.y}" width="${BOX_W}" height="${BOX_H}" rx="6"/>
<svg x="${node.x + 8}" y="${node.y}" width="${BOX_W - 16}" height="${BOX_H}"><text x="0" y="19" class="kind">${node.kind}${note}</text><text x="0" y="37" class="id">${shown(node.id, 120)}</text></svg>
</g>`;
}
