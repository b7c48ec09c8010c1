/**
 * Glob matching on bytes with Redis's pattern language: `*`, `?`, `[abc]`, `[^a-z]`, `\` escapes.
 * Two-pointer matching with backtracking to the last `*`: O(pattern x subject) worst case.
 */
const STAR = 0x2a;
const QUESTION = 0x3f;
const OPEN = 0x5b;
const CLOSE = 0x5d;
const CARET = 0x5e;
const DASH = 0x2d;
const BACKSLASH = 0x5c;

/** Where the token at patternIndex ends, and whether it matches `byte`. */
function matchToken(pattern: Uint8Array, patternIndex: number, byte: number): [boolean, number] {
  const token = pattern[patternIndex]!;
  if (token === QUESTION) return [true, patternIndex + 1];
  if (token === BACKSLASH && patternIndex + 1 < pattern.length) {
    return [pattern[patternIndex + 1] === byte, patternIndex + 2];
  }
  if (token !== OPEN) return [token === byte, patternIndex + 1];
  let index = patternIndex + 1;
  const negate = pattern[index] === CARET;
  if (negate) index++;
  let matched = false;
  while (index < pattern.length && pattern[index] !== CLOSE) {
    if (pattern[index] === BACKSLASH && index + 1 < pattern.length) {
      if (pattern[index + 1] === byte) matched = true;
      index += 2;
    } else if (index + 2 < pattern.length && pattern[index + 1] === DASH && pattern[index + 2] !== CLOSE) {
      let low = pattern[index]!;
      let high = pattern[index + 2]!;
      if (low > high) [low, high] = [high, low];
      if (byte >= low && byte <= high) matched = true;
      index += 3;
    } else {
      if (pattern[index] === byte) matched = true;
      index++;
    }
  }
  const end = index < pattern.length ? index + 1 : index; // an unclosed class runs to the end
  return [negate ? !matched : matched, end];
}

export function globMatch(pattern: Uint8Array, subject: Uint8Array): boolean {
  let patternIndex = 0;
  let subjectIndex = 0;
  let starPattern = -1;
  let starSubject = 0;
  while (subjectIndex < subject.length) {
    if (patternIndex < pattern.length && pattern[patternIndex] === STAR) {
      starPattern = ++patternIndex;
      starSubject = subjectIndex;
      continue;
    }
    if (patternIndex < pattern.length) {
      const [matched, next] = matchToken(pattern, patternIndex, subject[subjectIndex]!);
      if (matched) {
        patternIndex = next;
        subjectIndex++;
        continue;
      }
    }
    if (starPattern < 0) return false;
    patternIndex = starPattern;
    subjectIndex = ++starSubject;
  }
  while (patternIndex < pattern.length && pattern[patternIndex] === STAR) patternIndex++;
  return patternIndex === pattern.length;
}

/** True when the pattern is `*` alone (SCAN can skip matching). */
export function matchesEverything(pattern: Uint8Array): boolean {
  return pattern.length === 1 && pattern[0] === STAR;
}
