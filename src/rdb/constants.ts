/** Format constants of the Redis RDB file (names follow rdb.h so a reader can cross-check). */

export const RDB_MAGIC = 'REDIS';
/** Redis 7.0 writes and accepts version 10; 7.2 writes 11 (adds SET_LISTPACK). */
export const RDB_VERSION_WRITTEN = 10;
export const RDB_VERSION_MAX_READ = 11;
/** Files before version 5 have no checksum after the EOF opcode. */
export const RDB_VERSION_FIRST_WITH_CHECKSUM = 5;

export const OPCODE = {
  FUNCTION2: 245,
  FUNCTION_PRE_GA: 246,
  MODULE_AUX: 247,
  IDLE: 248,
  FREQ: 249,
  AUX: 250,
  RESIZEDB: 251,
  EXPIRETIME_MS: 252,
  EXPIRETIME: 253,
  SELECTDB: 254,
  EOF: 255,
} as const;

export const TYPE = {
  STRING: 0,
  LIST: 1,
  SET: 2,
  ZSET: 3,
  HASH: 4,
  ZSET_2: 5,
  MODULE_PRE_GA: 6,
  MODULE_2: 7,
  HASH_ZIPMAP: 9,
  LIST_ZIPLIST: 10,
  SET_INTSET: 11,
  ZSET_ZIPLIST: 12,
  HASH_ZIPLIST: 13,
  LIST_QUICKLIST: 14,
  STREAM_LISTPACKS: 15,
  HASH_LISTPACK: 16,
  ZSET_LISTPACK: 17,
  LIST_QUICKLIST_2: 18,
  STREAM_LISTPACKS_2: 19,
  SET_LISTPACK: 20,
  STREAM_LISTPACKS_3: 21,
} as const;

/** Top two bits of a length byte. */
export const LEN_6BIT = 0;
export const LEN_14BIT = 1;
export const LEN_32BIT_MARKER = 0x80;
export const LEN_64BIT_MARKER = 0x81;
export const LEN_ENCVAL = 3;

/** Low six bits of a length byte whose top bits are LEN_ENCVAL. */
export const ENC_INT8 = 0;
export const ENC_INT16 = 1;
export const ENC_INT32 = 2;
export const ENC_LZF = 3;

/** quicklist node containers in LIST_QUICKLIST_2 (quicklist.h). */
export const QUICKLIST_CONTAINER_PLAIN = 1;
export const QUICKLIST_CONTAINER_PACKED = 2;

/** ZSET (version 1) scores are strings with these special lengths for non-finite values. */
export const SCORE_NAN = 253;
export const SCORE_POS_INF = 254;
export const SCORE_NEG_INF = 255;
