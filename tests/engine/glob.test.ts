import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { globMatch } from '../../src/engine/glob.ts';
import { b } from './helpers.ts';

/** The same language as a regular expression over latin1 text (no classes: they are tested by example). */
function globToRegExp(pattern: string): RegExp {
  let source = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === '*') source += '[\\s\\S]*';
    else if (c === '?') source += '[\\s\\S]';
    else if (c === '\\' && i + 1 < pattern.length) source += pattern[++i]!.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    else source += c.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${source}$`);
}

describe('glob', () => {
  it('agrees with a regular expression for *, ? and escapes', () => {
    const text = fc.string({ unit: fc.constantFrom('a', 'b', '*', '?', '\\', 'c'), maxLength: 8 });
    fc.assert(fc.property(text, fc.string({ unit: fc.constantFrom('a', 'b', 'c', '*', '?'), maxLength: 8 }), (pattern, subject) => {
      expect(globMatch(b(pattern), b(subject))).toBe(globToRegExp(pattern).test(subject));
    }));
  });

  it('handles classes, ranges, negation and escapes inside classes as Redis does', () => {
    const cases: [string, string, boolean][] = [
      ['h[ae]llo', 'hello', true], ['h[ae]llo', 'hallo', true], ['h[ae]llo', 'hillo', false],
      ['h[^e]llo', 'hallo', true], ['h[^e]llo', 'hello', false], ['h[a-b]llo', 'hbllo', true],
      ['h[b-a]llo', 'hallo', true], ['h[a-b]llo', 'hcllo', false], ['[\\]]', ']', true],
      ['user:*', 'user:42', true], ['user:*', 'users', false], ['*', '', true], ['?', '', false],
      ['a\\*b', 'a*b', true], ['a\\*b', 'axb', false], ['**a', 'xxa', true],
    ];
    for (const [pattern, subject, expected] of cases) expect(globMatch(b(pattern), b(subject)), `${pattern} ~ ${subject}`).toBe(expected);
  });
});
