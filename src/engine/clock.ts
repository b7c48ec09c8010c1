/** Time source for expiry and LRU; injectable so tests drive time. */
export interface Clock {
  nowMs(): number;
}

export const systemClock: Clock = { nowMs: () => Date.now() };

export class ManualClock implements Clock {
  constructor(private currentMs = 1_700_000_000_000) {}
  nowMs(): number {
    return this.currentMs;
  }
  advance(milliseconds: number): void {
    this.currentMs += milliseconds;
  }
  set(nowMs: number): void {
    this.currentMs = nowMs;
  }
}
