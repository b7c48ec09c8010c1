import { describe, expect, it } from 'vitest';
import { passwordMatches } from '../../src/server/auth-commands.ts';

describe('password comparison', () => {
  it('accepts exactly the configured password, whatever the lengths involved', () => {
    expect(passwordMatches(Buffer.from('secret'), 'secret')).toBe(true);
    expect(passwordMatches(Buffer.from('secreT'), 'secret')).toBe(false);
    expect(passwordMatches(Buffer.from('secret1'), 'secret')).toBe(false);
    expect(passwordMatches(Buffer.from('secre'), 'secret')).toBe(false);
    expect(passwordMatches(Buffer.from(''), 'secret')).toBe(false);
    expect(passwordMatches(Buffer.from('x'.repeat(100_000)), 'secret')).toBe(false);
    expect(passwordMatches(Buffer.from('pässwörd', 'utf8'), 'pässwörd')).toBe(true);
  });
});
