/** Index of a block in the arena. 0 is the null block and is never handed out. */
export type BlockIndex = number & { readonly __brand: 'BlockIndex' };
/** Byte position inside the SharedArrayBuffer. Kept apart from block indices so a mix-up fails to compile. */
export type ByteOffset = number & { readonly __brand: 'ByteOffset' };
/** Database number, 0..15. */
export type DbIndex = number;

export const NULL_BLOCK = 0 as BlockIndex;

/** Maps a block to the version of it that a reader should see (the dump passes copies for changed blocks). */
export type BlockResolver = (blockIndex: BlockIndex) => BlockIndex;
export const identityResolver: BlockResolver = (blockIndex) => blockIndex;
