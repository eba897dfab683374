import test from 'node:test';
import assert from 'node:assert/strict';
import { initialRespawn, nextRespawn, RESPAWN_WINDOW_MS } from '../../../src/core/respawn.js';

test('a child that ran longer than a minute restarts at once, without a rate-limit line', () => {
  const d = nextRespawn({ quickDeaths: 5 }, RESPAWN_WINDOW_MS + 1);
  assert.deepEqual(d, { state: initialRespawn, delayMs: 0, rateLimited: false });
});

test('quick deaths: the first restarts at once (keepalived logs "delayed 0 seconds"), then 1, 2, 4 ... up to 60 s', () => {
  let s = initialRespawn;
  const delays: number[] = [];
  for (let i = 0; i < 9; i++) {
    const d = nextRespawn(s, 500);
    assert.equal(d.rateLimited, true);
    delays.push(d.delayMs);
    s = d.state;
  }
  assert.deepEqual(delays, [0, 1000, 2000, 4000, 8000, 16000, 32000, 60000, 60000]);
});
