/**
 * Replies as data. Command code returns a Reply; the connection's writer picks the wire encoding
 * from the client's protocol version (RESP2 or RESP3), so no command needs to know about HELLO.
 */
export type Reply =
  /**
   * Status and error texts are byte strings, one character per byte (latin1), so that user bytes
   * echoed in an error ("unknown command 'x'") go back exactly as they came. Redis's own texts are
   * ASCII, for which this changes nothing.
   */
  | { readonly kind: 'simple'; readonly value: string }
  /** `message` is the full error line without the leading '-', code first: "ERR syntax error". */
  | { readonly kind: 'error'; readonly message: string }
  | { readonly kind: 'integer'; readonly value: number | bigint }
  | { readonly kind: 'bulk'; readonly value: Buffer | string }
  /** A missing value: RESP2 `$-1`, RESP3 `_`. */
  | { readonly kind: 'null' }
  /** A missing aggregate: RESP2 `*-1`, RESP3 `_`. */
  | { readonly kind: 'nullArray' }
  | { readonly kind: 'array'; readonly items: readonly Reply[] }
  /** RESP2 flattens to an array of 2n items. */
  | { readonly kind: 'map'; readonly entries: readonly (readonly [Reply, Reply])[] }
  /** RESP2 sends an array. */
  | { readonly kind: 'set'; readonly items: readonly Reply[] }
  /** RESP2 sends a bulk string formatted like Redis's `%.17g` (with "inf"/"-inf"). */
  | { readonly kind: 'double'; readonly value: number }
  /** Text for humans (INFO, CLIENT LIST): RESP3 `=len\r\ntxt:...`, RESP2 a plain bulk string. */
  | { readonly kind: 'verbatim'; readonly format: 'txt' | 'mkd'; readonly value: Buffer | string }
  /** RESP2 sends the integer 1 or 0. */
  | { readonly kind: 'boolean'; readonly value: boolean }
  /** Bytes already encoded for the wire, sent as they are under both protocols. */
  | { readonly kind: 'raw'; readonly bytes: Buffer };

export type ReplyKind = Reply['kind'];

// Shared immutable replies: the hot path (SET -> +OK, GET miss -> null) allocates nothing.
const okReply: Reply = Object.freeze({ kind: 'simple', value: 'OK' });
const pongReply: Reply = Object.freeze({ kind: 'simple', value: 'PONG' });
const nullReply: Reply = Object.freeze({ kind: 'null' });
const nullArrayReply: Reply = Object.freeze({ kind: 'nullArray' });
const emptyArrayReply: Reply = Object.freeze({ kind: 'array', items: Object.freeze([]) });
const smallIntegerReplies: readonly Reply[] = Object.freeze(
  Array.from({ length: 1024 }, (_, value) => Object.freeze({ kind: 'integer', value }) as Reply),
);

export const reply = {
  ok: (): Reply => okReply,
  pong: (): Reply => pongReply,
  null: (): Reply => nullReply,
  nullArray: (): Reply => nullArrayReply,
  emptyArray: (): Reply => emptyArrayReply,
  simple: (value: string): Reply => ({ kind: 'simple', value }),
  error: (message: string): Reply => ({ kind: 'error', message }),
  integer: (value: number | bigint): Reply =>
    typeof value === 'number' && value >= 0 && value < smallIntegerReplies.length && Number.isInteger(value)
      ? (smallIntegerReplies[value] as Reply)
      : { kind: 'integer', value },
  bulk: (value: Buffer | string): Reply => ({ kind: 'bulk', value }),
  /** A bulk string, or null when the value is missing. */
  bulkOrNull: (value: Buffer | string | null | undefined): Reply =>
    value === null || value === undefined ? nullReply : { kind: 'bulk', value },
  array: (items: readonly Reply[]): Reply => ({ kind: 'array', items }),
  bulkArray: (values: readonly (Buffer | string)[]): Reply => ({
    kind: 'array',
    items: values.map((value) => ({ kind: 'bulk', value }) as Reply),
  }),
  map: (entries: readonly (readonly [Reply, Reply])[]): Reply => ({ kind: 'map', entries }),
  set: (items: readonly Reply[]): Reply => ({ kind: 'set', items }),
  double: (value: number): Reply => ({ kind: 'double', value }),
  boolean: (value: boolean): Reply => ({ kind: 'boolean', value }),
  verbatimText: (value: Buffer | string): Reply => ({ kind: 'verbatim', format: 'txt', value }),
  raw: (bytes: Buffer): Reply => ({ kind: 'raw', bytes }),
} as const;
