/** xorshift32 over [0, 1): uniform enough to pick keys, and the same sequence in every run of a bench. */
export function seededRandom(seed = 0x9e3779b9): () => number {
  let state = seed;
  return () => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) / 2 ** 32;
  };
}
