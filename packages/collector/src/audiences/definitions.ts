// A site's definitions from kith.config.json, compiled once at start. A mistake names the key and
// the line and column in the config file, so the operator goes straight to it.
import * as v from 'valibot';
import type { CompiledAudience, Definitions } from './evaluate.ts';
import { DefinitionError, parseCondition, parseValue } from './parse.ts';
import { DEFAULT_STAGES } from './stages.ts';

const KeySchema = v.pipe(
  v.string('must be a string'),
  v.regex(/^[a-z0-9][a-z0-9_-]{0,63}$/i, 'must be 1-64 letters, digits, "-" or "_"'),
);
const DefinitionSchema = v.strictObject(
  {
    key: KeySchema,
    definition: v.pipe(
      v.string('must be a query in quotes'),
      v.minLength(1, 'must be a query such as "event(\'Order Completed\').count() >= 2"'),
    ),
    marketing: v.optional(v.boolean('must be true or false'), false),
  },
  (issue) => `has an unknown field ${issue.received}: an entry has "key", "definition" and "marketing"`,
);
type Entry = v.InferOutput<typeof DefinitionSchema>;
const unique = (what: string) =>
  v.check(
    (entries: Entry[]) => new Set(entries.map((e) => e.key)).size === entries.length,
    `each of the ${what} needs its own key`,
  );

/** The per-site config keys: `traits`, `audiences` and `stages` ("default" for the stages Kith ships for shops). */
export const SiteDefinitionsSchema = {
  traits: v.optional(
    v.pipe(v.array(DefinitionSchema, 'must be a list of { "key", "definition" }'), unique('traits')),
    [],
  ),
  audiences: v.optional(
    v.pipe(v.array(DefinitionSchema, 'must be a list of { "key", "definition", "marketing"? }'), unique('audiences')),
    [],
  ),
  stages: v.optional(
    v.union(
      [v.literal('default'), v.pipe(v.array(DefinitionSchema), unique('stages'))],
      'must be "default" or a list of { "key", "definition" }, the first that holds naming the stage',
    ),
    [],
  ),
};

export interface SiteDefinitionsConfig {
  id: string;
  traits: Entry[];
  audiences: Entry[];
  stages: Entry[] | 'default';
}

export class DefinitionConfigError extends Error {}

/** Compiles every site's definitions; throws one line naming the site's key, and the line and column (in `text`, when given). */
export function compileDefinitions(
  sites: SiteDefinitionsConfig[],
  source = 'config',
  text?: string,
): Map<string, Definitions> {
  const compiled = new Map<string, Definitions>();
  for (const [index, site] of sites.entries()) {
    const at = (list: string, entryIndex: number, entry: Entry, fn: () => void) => {
      try {
        fn();
      } catch (error) {
        if (!(error instanceof DefinitionError)) throw error;
        const where = text ? positionInText(text, entry, error.offset) : { line: 1, column: error.offset + 1 };
        const place = text
          ? `${source}:${where.line}:${where.column}`
          : `${source}, column ${where.column} of the definition`;
        throw new DefinitionConfigError(
          `${place}: sites[${index}].${list}[${entryIndex}] "${entry.key}": ${error.message}; fix the definition.`,
        );
      }
    };
    const definitions: Definitions = { traits: [], audiences: [], stages: [] };
    for (const [i, entry] of site.traits.entries()) {
      at('traits', i, entry, () => definitions.traits.push({ key: entry.key, value: parseValue(entry.definition) }));
    }
    const conditions = (list: 'audiences' | 'stages', entries: Entry[], into: CompiledAudience[]) => {
      for (const [i, entry] of entries.entries()) {
        at(list, i, entry, () =>
          into.push({ key: entry.key, condition: parseCondition(entry.definition), marketing: entry.marketing }),
        );
      }
    };
    conditions('audiences', site.audiences, definitions.audiences);
    conditions('stages', site.stages === 'default' ? DEFAULT_STAGES : site.stages, definitions.stages);
    compiled.set(site.id, definitions);
  }
  return compiled;
}

/** Where the definition's `offset` is in the config file: its string literal found by value, escapes counted. */
function positionInText(text: string, entry: Entry, offset: number): { line: number; column: number } {
  const candidates: { start: number; rawOffsets: number[] }[] = [];
  const pattern = /"definition"\s*:\s*"/g;
  for (let match = pattern.exec(text); match; match = pattern.exec(text)) {
    const literal = readLiteral(text, match.index + match[0].length);
    if (literal.value === entry.definition) candidates.push({ start: match.index, rawOffsets: literal.rawOffsets });
  }
  const keyAt = text.indexOf(JSON.stringify(entry.key));
  const chosen = candidates.find((c) => c.start > keyAt) ?? candidates[0];
  if (!chosen) return { line: 1, column: offset + 1 };
  const raw = chosen.rawOffsets[Math.min(offset, chosen.rawOffsets.length - 1)]!;
  const before = text.slice(0, raw).split('\n');
  return { line: before.length, column: before.at(-1)!.length + 1 };
}

/** A JSON string's value from just after its opening quote, with the file offset of each character (and of its end). */
function readLiteral(text: string, from: number): { value: string; rawOffsets: number[] } {
  let value = '';
  const rawOffsets: number[] = [];
  let i = from;
  while (i < text.length && text[i] !== '"') {
    rawOffsets.push(i);
    if (text[i] === '\\') {
      const escape = text[i + 1];
      if (escape === 'u') {
        value += String.fromCharCode(parseInt(text.slice(i + 2, i + 6), 16));
        i += 6;
      } else {
        value +=
          ({ n: '\n', t: '\t', r: '\r', b: '\b', f: '\f' } as Record<string, string>)[escape ?? ''] ?? escape ?? '';
        i += 2;
      }
    } else {
      value += text[i];
      i++;
    }
  }
  rawOffsets.push(i);
  return { value, rawOffsets };
}
