/** Test helpers that build RESP request bytes and cut them into chunks. */

export function encodeMultibulk(argv: readonly Buffer[]): Buffer {
  const parts: Buffer[] = [Buffer.from(`*${argv.length}\r\n`)];
  for (const arg of argv) parts.push(Buffer.from(`$${arg.length}\r\n`), arg, Buffer.from('\r\n'));
  return Buffer.concat(parts);
}

/** `bytes` cut at the given points (taken modulo length + 1, deduplicated): chunk boundaries for the parser. */
export function splitAt(bytes: Buffer, cutPoints: number[]): Buffer[] {
  const cuts = [...new Set(cutPoints.map((cut) => cut % (bytes.length + 1)))].sort((a, b) => a - b);
  const chunks: Buffer[] = [];
  let start = 0;
  for (const cut of cuts) {
    chunks.push(bytes.subarray(start, cut));
    start = cut;
  }
  chunks.push(bytes.subarray(start));
  return chunks;
}
