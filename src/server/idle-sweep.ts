/** What the sweep needs of a connection. */
export interface SweptConnection {
  /** lastInteractionMs: Date.now() of the last bytes read or command run. */
  readonly client: { readonly lastInteractionMs: number };
  /** A command is still running for it (an async reply): it waits on the server, it is not idle. */
  readonly commandRunning: boolean;
  /** Closes it now, dropping unsent replies (Redis's freeClient). */
  kill(): void;
}

/** Redis's clients cron visits at least this many clients per call, whatever the count. */
const clientsPerTickMin = 5;

/**
 * The `timeout` setting, the way Redis's clients cron applies it: each tick visits a bounded slice
 * of the connections (count / ticksPerRound, at least 5), resuming where the last tick stopped, so
 * that every connection is looked at about once per round and no tick walks 10,000 clients. A
 * connection silent for more than `timeoutSec` seconds is killed.
 *
 * The iterator is kept across ticks: a Set iterator skips entries deleted since and visits ones
 * added since, so kills and new connections in between need no care. Cost per tick: O(slice).
 */
export class IdleSweep<C extends SweptConnection> {
  private cursor: Iterator<C>;

  constructor(
    private readonly connections: Set<C>,
    private readonly timeoutSec: () => number,
    private readonly ticksPerRound: number,
  ) {
    this.cursor = connections.values();
  }

  /** One tick; returns how many connections it killed. */
  tick(nowMs: number): number {
    const timeoutSec = this.timeoutSec();
    if (timeoutSec <= 0 || this.connections.size === 0) return 0;
    const visitCount = Math.max(clientsPerTickMin, Math.ceil(this.connections.size / this.ticksPerRound));
    let killed = 0;
    for (let visited = 0; visited < visitCount; visited++) {
      let step = this.cursor.next();
      if (step.done === true) {
        this.cursor = this.connections.values();
        step = this.cursor.next();
        if (step.done === true) break;
      }
      const connection = step.value;
      // As Redis: closed once idle for more than the setting (Redis counts whole seconds of its clock).
      if (!connection.commandRunning && nowMs - connection.client.lastInteractionMs > timeoutSec * 1000) {
        connection.kill();
        killed++;
      }
    }
    return killed;
  }
}
