/** The request parser's limits and the shape of what it reports holding (src/server/resp-parser.ts). */

export interface ParserLimits {
  /** proto-max-bulk-len: the longest argument accepted. Redis default 512 MB. */
  readonly bulkByteLengthMax: number;
  /**
   * Most arguments in one multibulk request. DEVIATION: Redis 7 accepts up to INT_MAX; here a
   * complete request becomes one JavaScript Buffer view per argument, so the default is Redis 3's
   * 1024 * 1024.
   */
  readonly multibulkCountMax: number;
  /** Longest inline line and longest `*N` / `$N` line. Redis's PROTO_INLINE_MAX_SIZE, 64 KiB. */
  readonly inlineByteLengthMax: number;
  /**
   * client-query-buffer-limit: unparsed bytes plus the unfinished request's memory (ParserMemory
   * unparsedByteLength + requestByteLength); beyond it the client is dropped without a reply.
   */
  readonly requestByteLengthMax: number;
}

export const defaultParserLimits: ParserLimits = Object.freeze({
  bulkByteLengthMax: 512 * 1024 * 1024,
  multibulkCountMax: 1024 * 1024,
  inlineByteLengthMax: 64 * 1024,
  requestByteLengthMax: 1024 * 1024 * 1024,
});

/**
 * Memory one parser holds, in bytes, split as Redis 7's CLIENT LIST names it. Every figure is the
 * length of an allocation the parser references (Buffer or typed array), not an estimate.
 */
export interface ParserMemory {
  /** qbuf: received bytes not parsed yet. */
  readonly unparsedByteLength: number;
  /** qbuf-free: allocated receive-buffer room not used (free space, and the prefix already consumed). */
  readonly receiveFreeByteLength: number;
  /**
   * argv-mem: the unfinished request's parsed part: its argument bytes (and framing) in the receive
   * buffer, its table of argument bounds, its completed big arguments and the one being assembled.
   */
  readonly requestByteLength: number;
  /** Sum of the three: every byte the parser keeps alive. */
  readonly totalByteLength: number;
}
