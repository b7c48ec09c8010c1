/**
 * Found by thread.test.ts: FreerWorker.stop() ends the worker with terminate(), whose exit code is 1,
 * and the exit handler took that for a crash, so `failure` read "exited with code 1" after every clean
 * stop (and a caller checking it after shutdown saw a crash that never happened).
 */
import { describe, expect, it } from 'vitest';
import { Engine } from '../../src/engine/engine.ts';
import { FreerWorker } from '../../src/engine/workers/freer.ts';

describe('freer worker stop', () => {
  it('leaves failure null after a clean stop', async () => {
    const engine = new Engine({ initialBlocks: 64 });
    const freer = await FreerWorker.start(engine, { budgetBlocks: 4 });
    await freer.stop();
    await new Promise((resolve) => setTimeout(resolve, 20)); // let the exit event arrive
    expect(freer.failure).toBeNull();
  });
});
