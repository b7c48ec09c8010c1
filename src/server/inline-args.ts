/**
 * Splits an inline command line into arguments the way Redis's sdssplitargs does:
 * whitespace separates; "double quotes" understand \xHH, \n, \r, \t, \b, \a and \<any>;
 * 'single quotes' understand \' only; a closing quote must be followed by whitespace or the end;
 * a quote may open in the middle of a word (a"b c"d is one argument: "ab cd").
 * A NUL byte outside quotes ends the line, as it ends a C string.
 * Returns null when the quotes are unbalanced.
 */
export function splitInlineArgs(line: Buffer): Buffer[] | null {
  const args: Buffer[] = [];
  const end = line.length;
  let pos = 0;
  for (;;) {
    while (pos < end && isSpace(line[pos] as number)) pos++;
    if (pos >= end || line[pos] === 0) return args;

    const bytes: number[] = [];
    let inDoubleQuotes = false;
    let inSingleQuotes = false;
    let wordDone = false;
    const wordStart = pos;
    let plainWord = true; // no quotes seen: the argument is a plain slice of the line
    while (!wordDone) {
      const byte = pos < end ? (line[pos] as number) : 0;
      const nextByte = pos + 1 < end ? (line[pos + 1] as number) : 0;
      if (inDoubleQuotes) {
        if (byte === 0x5c /* \ */ && nextByte === 0x78 /* x */ && pos + 3 < end &&
            isHexDigit(line[pos + 2] as number) && isHexDigit(line[pos + 3] as number)) {
          bytes.push(hexValue(line[pos + 2] as number) * 16 + hexValue(line[pos + 3] as number));
          pos += 3;
        } else if (byte === 0x5c && pos + 1 < end && nextByte !== 0) {
          pos++;
          bytes.push(unescapeDoubleQuoted(nextByte));
        } else if (byte === 0x22 /* " */) {
          if (pos + 1 < end && nextByte !== 0 && !isSpace(nextByte)) return null;
          wordDone = true;
        } else if (pos >= end || byte === 0) {
          return null;
        } else {
          bytes.push(byte);
        }
      } else if (inSingleQuotes) {
        if (byte === 0x5c && nextByte === 0x27 /* ' */) {
          pos++;
          bytes.push(0x27);
        } else if (byte === 0x27) {
          if (pos + 1 < end && nextByte !== 0 && !isSpace(nextByte)) return null;
          wordDone = true;
        } else if (pos >= end || byte === 0) {
          return null;
        } else {
          bytes.push(byte);
        }
      } else if (pos >= end || byte === 0x20 || byte === 0x0a || byte === 0x0d || byte === 0x09 || byte === 0) {
        wordDone = true;
      } else if (byte === 0x22 || byte === 0x27) {
        if (plainWord) {
          for (let i = wordStart; i < pos; i++) bytes.push(line[i] as number);
          plainWord = false;
        }
        if (byte === 0x22) inDoubleQuotes = true;
        else inSingleQuotes = true;
      } else if (!plainWord) {
        bytes.push(byte);
      }
      if (pos < end) pos++;
    }
    args.push(plainWord ? line.subarray(wordStart, wordStart + wordLength(line, wordStart)) : Buffer.from(bytes));
  }
}

/** Length of an unquoted word starting at `start` (up to whitespace, NUL or the end). */
function wordLength(line: Buffer, start: number): number {
  let pos = start;
  while (pos < line.length) {
    const byte = line[pos] as number;
    if (byte === 0x20 || byte === 0x0a || byte === 0x0d || byte === 0x09 || byte === 0) break;
    pos++;
  }
  return pos - start;
}

function unescapeDoubleQuoted(byte: number): number {
  switch (byte) {
    case 0x6e: return 0x0a; // n
    case 0x72: return 0x0d; // r
    case 0x74: return 0x09; // t
    case 0x62: return 0x08; // b
    case 0x61: return 0x07; // a
    default: return byte;
  }
}

/** C isspace: space, \t, \n, \v, \f, \r. */
function isSpace(byte: number): boolean {
  return byte === 0x20 || (byte >= 0x09 && byte <= 0x0d);
}

function isHexDigit(byte: number): boolean {
  return (byte >= 0x30 && byte <= 0x39) || (byte >= 0x61 && byte <= 0x66) || (byte >= 0x41 && byte <= 0x46);
}

function hexValue(byte: number): number {
  if (byte <= 0x39) return byte - 0x30;
  if (byte >= 0x61) return byte - 0x61 + 10;
  return byte - 0x41 + 10;
}
