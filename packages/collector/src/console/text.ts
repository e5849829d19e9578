// Values from events are anyone's writing: the renderer escapes them, and these keep them from
// misleading the reader too (direction overrides, invisible characters, 10 KB walls of text).

// Bidi overrides and isolates, zero-width and other invisible format characters, and C0/C1 controls.
// eslint-disable-next-line no-control-regex -- control characters are exactly what it finds
const DECEPTIVE = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u061c\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff]/gu;

/** The text as shown: deceptive characters spelled out (⟨U+202E⟩), cut at `max` characters. */
export function shown(value: unknown, max = 200): string {
  const text = typeof value === 'string' ? value : (JSON.stringify(value) ?? String(value));
  const cut = text.length > max ? `${text.slice(0, max)}… (${text.length} characters)` : text;
  return cut.replace(DECEPTIVE, (char) => `⟨U+${char.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}⟩`);
}

/** A time as the console shows it: UTC, to the second. */
export function when(iso: string | null | undefined): string {
  if (!iso) return '–';
  const time = Date.parse(iso);
  return Number.isNaN(time) ? shown(iso, 40) : new Date(time).toISOString().slice(0, 19).replace('T', ' ');
}
