/**
 * Operating conditions (bad input, wrong type, out of blocks) are EngineErrors whose message is the
 * exact Redis error text, so the RESP server can reply with `-${message}`.
 * Programming errors are assertions (AssertionError) and must never be caught and ignored.
 */
export class EngineError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'EngineError';
  }
}

export class OutOfMemoryError extends EngineError {
  constructor() {
    super("OOM command not allowed when used memory > 'maxmemory'.");
    this.name = 'OutOfMemoryError';
  }
}

/** The buffer does not hold a Sabre arena of a layout this code reads. */
export class LayoutError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'LayoutError';
  }
}

export class AssertionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'AssertionError';
  }
}

export function assert(condition: unknown, message = 'assertion failed'): asserts condition {
  if (!condition) throw new AssertionError(message);
}

export const Errors = {
  wrongType: () => new EngineError('WRONGTYPE Operation against a key holding the wrong kind of value'),
  notInteger: () => new EngineError('ERR value is not an integer or out of range'),
  overflow: () => new EngineError('ERR increment or decrement would overflow'),
  notFloat: () => new EngineError('ERR value is not a valid float'),
  hashNotInteger: () => new EngineError('ERR hash value is not an integer'),
  hashNotFloat: () => new EngineError('ERR hash value is not a float'),
  nanOrInfinity: () => new EngineError('ERR increment would produce NaN or Infinity'),
  noSuchKey: () => new EngineError('ERR no such key'),
  indexOutOfRange: () => new EngineError('ERR index out of range'),
  syntax: () => new EngineError('ERR syntax error'),
  stringTooLong: () => new EngineError('ERR string exceeds maximum allowed size (proto-max-bulk-len)'),
  offsetOutOfRange: () => new EngineError('ERR offset is out of range'),
  invalidExpire: (command: string) => new EngineError(`ERR invalid expire time in '${command}' command`),
  dbIndexOutOfRange: () => new EngineError('ERR DB index is out of range'),
  invalidCursor: () => new EngineError('ERR invalid cursor'),
  zaddIncrPair: () => new EngineError('ERR INCR option supports a single increment-element pair'),
  zaddNxXx: () => new EngineError('ERR XX and NX options at the same time are not compatible'),
  zaddGtLtNx: () => new EngineError('ERR GT, LT, and/or NX options at the same time are not compatible'),
  zsetNan: () => new EngineError('ERR resulting score is not a number (NaN)'),
} as const;
