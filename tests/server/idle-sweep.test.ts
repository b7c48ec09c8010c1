import { describe, expect, it } from 'vitest';
import { IdleSweep, type SweptConnection } from '../../src/server/idle-sweep.ts';

class FakeConnection implements SweptConnection {
  killed = false;
  visits = 0;
  constructor(private readonly lastMs: number, readonly commandRunning = false, private readonly set?: Set<FakeConnection>) {}
  get client() {
    this.visits++;
    return { lastInteractionMs: this.lastMs };
  }
  kill(): void {
    this.killed = true;
    this.set?.delete(this);
  }
}

describe('idle client sweep (timeout)', () => {
  it('does nothing while timeout is 0', () => {
    const connections = new Set([new FakeConnection(0)]);
    const sweep = new IdleSweep(connections, () => 0, 10);
    expect(sweep.tick(1_000_000)).toBe(0);
    expect([...connections][0]!.killed).toBe(false);
  });

  it('closes connections idle for more than timeout seconds and keeps the others', () => {
    const connections = new Set<FakeConnection>();
    const idle = new FakeConnection(0, false, connections);
    const fresh = new FakeConnection(9_500, false, connections);
    const exactlyAtLimit = new FakeConnection(8_000, false, connections);
    const running = new FakeConnection(0, true, connections);
    for (const connection of [idle, fresh, exactlyAtLimit, running]) connections.add(connection);
    const sweep = new IdleSweep(connections, () => 2, 10);
    expect(sweep.tick(10_000)).toBe(1);
    expect(idle.killed).toBe(true);
    expect(fresh.killed || exactlyAtLimit.killed || running.killed).toBe(false);
  });

  it('visits a bounded slice per tick and every connection once a round', () => {
    const idle = new Set<FakeConnection>();
    for (let i = 0; i < 1000; i++) idle.add(new FakeConnection(0, false, idle));
    // 1000 connections, 10 ticks a round: 100 a tick.
    expect(new IdleSweep(idle, () => 1, 10).tick(5_000)).toBe(100);
    expect(idle.size).toBe(900);

    const busy = new Set<FakeConnection>();
    for (let i = 0; i < 1000; i++) busy.add(new FakeConnection(5_000));
    const sweep = new IdleSweep(busy, () => 1, 10);
    for (let tick = 0; tick < 10; tick++) sweep.tick(5_000);
    expect([...busy].every((connection) => connection.visits === 1)).toBe(true);
  });

  it('visits at least 5 a tick, resumes where it stopped and wraps around', () => {
    const connections = new Set<FakeConnection>();
    const all = Array.from({ length: 7 }, () => new FakeConnection(10_000, false, connections));
    for (const connection of all) connections.add(connection);
    const sweep = new IdleSweep(connections, () => 100, 10);
    sweep.tick(10_000);
    expect(all.map((connection) => connection.visits)).toEqual([1, 1, 1, 1, 1, 0, 0]);
    sweep.tick(10_000);
    expect(all.map((connection) => connection.visits)).toEqual([2, 2, 2, 1, 1, 1, 1]);
  });
});
