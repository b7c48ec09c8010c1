/**
 * Every problem with RDB bytes (corrupt, truncated, unsupported) or with a value that cannot be
 * written as RDB surfaces as an RdbError, so callers can tell operating conditions from bugs.
 */
export type RdbErrorCode =
  | 'truncated'
  | 'bad-magic'
  | 'bad-version'
  | 'bad-length'
  | 'bad-encoding'
  | 'bad-checksum'
  | 'bad-blob'
  | 'bad-value'
  | 'duplicate'
  | 'unsupported'
  | 'trailing-bytes';

export class RdbError extends Error {
  override readonly name = 'RdbError';
  readonly code: RdbErrorCode;
  /** Absolute byte offset in the file where the problem was found, when known. */
  readonly byteOffset: number | null;

  constructor(code: RdbErrorCode, message: string, byteOffset: number | null = null) {
    super(byteOffset === null ? message : `${message} (at byte offset ${byteOffset})`);
    this.code = code;
    this.byteOffset = byteOffset;
  }
}

/** Programming errors only; never used for anything an input file can cause. */
export function assert(condition: unknown, message: string): asserts condition {
  if (!condition) throw new Error(`assertion failed: ${message}`);
}
