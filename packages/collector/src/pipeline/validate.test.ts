import { describe, expect, it } from 'vitest';
import { mayHoldLoneSurrogates, unstorable } from './validate.ts';

describe('unstorable', () => {
  it('finds nesting at the limit in objects and arrays, and nothing below it', () => {
    const nest = (depth: number, inner: unknown, asArray: boolean): unknown =>
      depth === 0 ? inner : asArray ? [nest(depth - 1, inner, asArray)] : { a: nest(depth - 1, inner, asArray) };
    expect(unstorable(nest(31, {}, false), 32)).toBeNull();
    expect(unstorable(nest(32, {}, false), 32)).toBe('event_too_deep');
    expect(unstorable(nest(32, [], true), 32)).toBe('event_too_deep');
    expect(unstorable(nest(40, 'deep text', false), 32)).toBe('event_too_deep');
  });

  it('finds unpaired surrogates in keys, values and array items, unless told the text cannot hold them', () => {
    expect(unstorable({ a: { b: ['ok', 'x\ud800'] } }, 32)).toBe('invalid_text');
    expect(unstorable({ a: { '\udfff': 1 } }, 32)).toBe('invalid_text');
    expect(unstorable({ a: 'ok \ud83d\ude00' }, 32)).toBeNull();
    expect(unstorable({ a: 'x\ud800' }, 32, false)).toBeNull();
  });
});

describe('mayHoldLoneSurrogates', () => {
  it('is true for any JSON escape of a surrogate, in either case', () => {
    for (const json of ['{"a":"\\ud800"}', '{"a":"\\uDFFF"}', '{"\\udabc":1}', '"\\ud83d\\ude00"']) {
      expect(mayHoldLoneSurrogates(json), json).toBe(true);
      // What it guards: the decoded text, where the check is needed.
      expect(typeof JSON.parse(json)).not.toBe('undefined');
    }
  });

  it('is false for text that cannot decode to a surrogate: other escapes and literal characters', () => {
    for (const json of ['{"a":"\\u00e9 é 😀"}', '{"a":"\\u0041"}', '{"a":"plain"}']) {
      expect(mayHoldLoneSurrogates(json), json).toBe(false);
    }
  });

  it('never misses one: whenever it says false, every decoded string is well-formed', () => {
    let seed = 7;
    const next = () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff;
    for (let i = 0; i < 2000; i++) {
      const text = Array.from({ length: 8 }, () => String.fromCharCode(Math.floor(next() * 0x10000))).join('');
      const json = JSON.stringify({ [text.slice(0, 3)]: text });
      if (!mayHoldLoneSurrogates(json)) expect(unstorable(JSON.parse(json), 32), json).toBeNull();
      else expect(json).toMatch(/\\u[dD][89a-fA-F]/);
    }
  });
});
