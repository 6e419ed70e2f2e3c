import { it } from 'node:test';
import { describeEachDb } from '../harness.js';
import { revokeMidPublishRace, twoWorkersExactlyOnceRace } from '../support/publisher-races.js';
import { useSandbox } from '../support/sandbox.js';

// The publisher under load, with two workers (two pass loops sharing the queue, as two processes
// would). The races and their assertions live in test/support/publisher-races.ts; the reliability
// suite repeats them (test/reliability/publisher-races.test.ts), also with lost answers.

describeEachDb('publisher: two workers, races', (h) => {
  const fx = useSandbox();

  it('1,000 posts due now, two workers, the seed’s revoke mid-way: none published after its commit, counts add up', async (tc) => {
    await revokeMidPublishRace(h, fx, { posts: 1000, revokeAfterCalls: 100, diagnostic: (l) => tc.diagnostic(l) });
  });

  it('two workers, 2,000 due posts on eight accounts: each published exactly once on the platform (one call per post, a second only to learn a lost answer)', async (tc) => {
    await twoWorkersExactlyOnceRace(h, fx, { accounts: 8, postsPerAccount: 250, diagnostic: (l) => tc.diagnostic(l) });
  });
});
