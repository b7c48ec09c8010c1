/**
 * Reads the TLA+ values TLC prints (in state-graph dumps and traces) into the model's canonical form
 * (src/model/canonical.ts): sequences and tuples become arrays, sets sorted arrays, records and
 * functions (a :> 1 @@ b :> 2) objects with sorted keys.
 */
import { type Canonical, canonicalSet, sortedObject } from '../src/model/canonical.ts';

export function parseTlaValue(text: string): Canonical {
  let at = 0;
  const skip = () => { while (at < text.length && /\s/.test(text[at]!)) at++; };
  const expect = (token: string) => {
    skip();
    if (!text.startsWith(token, at)) throw new Error(`expected '${token}' at ${at} in ${text.slice(at, at + 40)}`);
    at += token.length;
  };
  const peek = (token: string) => { skip(); return text.startsWith(token, at); };
  const list = (close: string): Canonical[] => {
    const items: Canonical[] = [];
    if (peek(close)) { at += close.length; return items; }
    for (;;) {
      items.push(value());
      if (peek(',')) { at++; continue; }
      expect(close);
      return items;
    }
  };
  const value = (): Canonical => {
    skip();
    if (peek('<<')) { at += 2; return list('>>'); }
    if (peek('{')) { at++; return canonicalSet(list('}')); }
    if (peek('[')) {
      at++;
      const fields: [string, Canonical][] = [];
      if (peek(']')) { at++; return sortedObject(fields); }
      for (;;) {
        skip();
        const name = /^[A-Za-z_][A-Za-z0-9_]*/.exec(text.slice(at))![0];
        at += name.length;
        expect('|->');
        fields.push([name, value()]);
        if (peek(',')) { at++; continue; }
        expect(']');
        return sortedObject(fields);
      }
    }
    if (peek('(')) {
      at++;
      const pairs: [string, Canonical][] = [];
      for (;;) {
        const key = value();
        expect(':>');
        pairs.push([typeof key === 'string' ? key : JSON.stringify(key), value()]);
        if (peek('@@')) { at += 2; continue; }
        expect(')');
        return sortedObject(pairs);
      }
    }
    if (peek('"')) {
      const end = text.indexOf('"', at + 1);
      const str = text.slice(at + 1, end);
      at = end + 1;
      return str;
    }
    if (peek('TRUE')) { at += 4; return true; }
    if (peek('FALSE')) { at += 5; return false; }
    const number = /^-?\d+/.exec(text.slice(at));
    if (number) { at += number[0].length; return Number(number[0]); }
    throw new Error(`cannot read a TLA+ value at ${at}: ${text.slice(at, at + 40)}`);
  };
  const result = value();
  skip();
  if (at !== text.length) throw new Error(`trailing text at ${at}: ${text.slice(at, at + 40)}`);
  return result;
}

/** A state as TLC prints it ("/\ x = 1\n/\ y = <<>>") → canonical JSON text with sorted variables. */
export function parseTlaState(text: string): string {
  const fields: [string, Canonical][] = [];
  for (const part of text.split(/(?:^|\n)\/\\ /).filter((p) => p.trim() !== '')) {
    const equals = part.indexOf(' = ');
    fields.push([part.slice(0, equals).trim(), parseTlaValue(part.slice(equals + 3))]);
  }
  return JSON.stringify(sortedObject(fields));
}
