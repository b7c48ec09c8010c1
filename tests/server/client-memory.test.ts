import { describe, expect, it } from 'vitest';
import { ClientMemoryLedger, type MemoryAccount } from '../../src/server/client-memory.ts';
import { ClientState } from '../../src/server/client-state.ts';

function account(id: number, noEvict = false): MemoryAccount & { evicted: boolean } {
  const client = new ClientState(id, `a:${id}`, 'b:1', true);
  client.noEvict = noEvict;
  const result = {
    client,
    accountedByteLength: 0,
    accountedAsExempt: false,
    evicted: false,
    evict() {
      expect(result.evicted).toBe(false);
      result.evicted = true;
    },
  };
  return result;
}

describe('ClientMemoryLedger (maxmemory-clients)', () => {
  it('keeps the sum of what connections report, and forgets a closed one', () => {
    const ledger = new ClientMemoryLedger({ totalByteLengthMax: () => 0, heapUsedFractionMax: 0 });
    const [a, b] = [account(1), account(2)];
    ledger.open(a);
    ledger.open(b);
    ledger.report(a, 1000);
    ledger.report(b, 500);
    ledger.report(a, 300);
    expect(ledger.accountedByteLength).toBe(800);
    ledger.close(a);
    ledger.close(a);
    expect(ledger.accountedByteLength).toBe(500);
    ledger.report(a, 10_000); // a closed account's late report is ignored
    expect(ledger.accountedByteLength).toBe(500);
  });

  it('closes the biggest clients first until the total is under the cap, and counts them', () => {
    let capByteLength = 0;
    const ledger = new ClientMemoryLedger({ totalByteLengthMax: () => capByteLength, heapUsedFractionMax: 0 });
    const accounts = [account(1), account(2), account(3), account(4)];
    for (const each of accounts) ledger.open(each);
    [400, 100, 300, 200].forEach((byteLength, i) => ledger.report(accounts[i]!, byteLength));
    capByteLength = 450;
    ledger.enforce();
    // 1000 > 450: 400 goes (600 left), then 300 (300 left).
    expect(accounts.map((each) => each.evicted)).toEqual([true, false, true, false]);
    expect(ledger.accountedByteLength).toBe(300);
    expect(ledger.evictedClientCount).toBe(2);
  });

  it('never closes a NO-EVICT client, even the biggest', () => {
    const ledger = new ClientMemoryLedger({ totalByteLengthMax: () => 1000, heapUsedFractionMax: 0 });
    const big = account(1, true);
    const small = account(2);
    ledger.open(big);
    ledger.open(small);
    ledger.report(big, 5000);
    ledger.report(small, 10);
    expect(big.evicted).toBe(false);
    expect(small.evicted).toBe(true);
    expect(ledger.accountedByteLength).toBe(5000);
  });

  it('evicts the client whose report passes the cap when it is the biggest', () => {
    const ledger = new ClientMemoryLedger({ totalByteLengthMax: () => 1000, heapUsedFractionMax: 0 });
    const quiet = account(1);
    const greedy = account(2);
    ledger.open(quiet);
    ledger.open(greedy);
    ledger.report(quiet, 600);
    ledger.report(greedy, 300);
    expect(greedy.evicted).toBe(false);
    ledger.report(greedy, 700);
    expect(greedy.evicted).toBe(true);
    expect(quiet.evicted).toBe(false);
  });

  it('closes the biggest client when heap use passes the watched fraction', async () => {
    // A fraction of 1e-9 of the heap limit is always passed: the watch must act on its next sample.
    const ledger = new ClientMemoryLedger({ totalByteLengthMax: () => 0, heapUsedFractionMax: 1e-9, heapSampleIntervalMs: 5 });
    try {
      const [a, b] = [account(1), account(2)];
      ledger.open(a);
      ledger.open(b);
      ledger.report(a, 10);
      ledger.report(b, 20);
      const deadlineMs = Date.now() + 5000;
      while (!b.evicted && Date.now() < deadlineMs) await new Promise((resolve) => setTimeout(resolve, 5));
      expect(b.evicted).toBe(true);
      // One eviction, then a pause for the collector before the next.
      expect(a.evicted).toBe(false);
      expect(ledger.evictedClientCount).toBe(1);
    } finally {
      ledger.stop();
    }
  });
});
