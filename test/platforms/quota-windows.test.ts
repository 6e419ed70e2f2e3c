import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { earliestFreeSlot, firstViolation, type Ledger } from '../../src/platforms/quota-windows.js';

// The moving-window rule against a brute force over every window, on random ledgers: a post at t
// fits when every window (x − W, x] with x in [t, t + W) holds fewer than `limit` other posts, and
// earliestFreeSlot is the first whole second from t where it fits. Pure arithmetic: no database.

const S = 1000;
const W = 60 * S; // a one-minute window keeps the brute force small; the arithmetic does not care

function ledger(times: number[], limit: number): Ledger {
  return { budget: { limit, windowMs: W, source: 'default' }, times: [...times].sort((a, b) => a - b), outside: 0 };
}

function fitsBrute(times: number[], limit: number, t: number) {
  for (let x = t; x < t + W; x += S) {
    if (times.filter((e) => e > x - W && e <= x).length + 1 > limit) return false;
  }
  return true;
}

function seeded(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

describe('publishing quota windows', () => {
  it('firstViolation and earliestFreeSlot agree with a brute force over every window (500 random ledgers)', () => {
    const seed = Number(process.env.QUOTA_SEED ?? 20);
    const random = seeded(seed);
    for (let round = 0; round < 500; round++) {
      const limit = 1 + Math.floor(random() * 4);
      const times = Array.from({ length: Math.floor(random() * 10) }, () => Math.floor(random() * 180) * S);
      const l = ledger(times, limit);
      const t = Math.floor(random() * 180) * S;
      const show = JSON.stringify({ seed, round, limit, times: l.times.map((x) => x / S), t: t / S });
      assert.equal(firstViolation(l, t) === null, fitsBrute(l.times, limit, t), show);
      const free = earliestFreeSlot(l, t);
      assert.ok(free !== null && free >= t, show);
      assert.ok(fitsBrute(l.times, limit, free), `${show} → ${free / S} does not fit`);
      for (let c = t; c < free; c += S) assert.ok(!fitsBrute(l.times, limit, c), `${show}: ${c / S} fits earlier`);
    }
  });

  it('the violation names the first overflowing window and what it holds; a limit of 0 has no free slot', () => {
    const l = ledger([10 * S, 20 * S, 30 * S], 3);
    assert.deepEqual(firstViolation(l, 5 * S), { windowStart: 30 * S - W, windowEnd: 30 * S, used: 3 });
    assert.equal(earliestFreeSlot(l, 5 * S), 10 * S + W); // 30 s + 1 s still sees all three; at 10 s + W, two
    assert.equal(earliestFreeSlot(ledger([], 0), 0), null);
  });
});
