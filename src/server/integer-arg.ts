import { parseStrictInteger } from './resp-parser.ts';

/** An integer argument read as Redis's string2ll reads it (no '+', no spaces, no leading zeros). */
export function parseIntegerArg(arg: Buffer): number | null {
  return parseStrictInteger(arg, 0, arg.length);
}
