import assert from 'node:assert/strict';
import { test } from 'node:test';
import { renderMarkdown, renderText } from '../../bench/report.js';
import { runBench } from '../../bench/run.js';
import { TEST_DATABASE_URL } from '../harness.js';

// The bench's own measurement functions, --quick, on PGlite: the report has every figure with a
// finite ratio and every goal evaluated. No timing is asserted: this machine's numbers are noise.
test('npm run bench --quick on PGlite: every figure, a finite ratio each, goals PASS/MISS, both renderings', async () => {
  const report = await runBench({
    quick: true,
    databases: ['pglite'],
    databaseUrl: TEST_DATABASE_URL,
    logLevel: 'silent',
  });
  const figures = report.figures.map((f) => `${f.measurement} | ${f.baseline}`);
  const expected = [
    'revoke (4 posts) @50 req/s | bare revoke tx/s',
    'revoke (4 posts) @50 p50 | bare revoke p50',
    'revoke (4 posts) @50 p99 | bare revoke p99',
    'revoke (4 posts) @50 server CPU/req | bare revoke CPU/tx',
    'list @50 req/s | bare point read/s',
    'list @50 req/s | hello-world req/s',
    'list @50 p99 | bare point read p99',
    'whoami @50 req/s | bare point read/s',
    'whoami @50 req/s | hello-world req/s',
    'whoami @50 p99 | bare point read p99',
    'list @50 server CPU/req | bare point read CPU/op',
    'whoami @50 server CPU/req | bare point read CPU/op',
    'whoami @50 server CPU/req | hello-world CPU/req',
    ...report.config.postCounts.map((n) => `revoke ${n.toLocaleString('en-US')} posts, sequential | revoke 0 posts`),
    'guard: authenticate | whoami, sequential',
    'guard: rate limit (memory store) | whoami, sequential',
    'guard: idempotency (revoke) | revoke with Idempotency-Key',
  ];
  assert.deepEqual(figures, expected);
  for (const f of report.figures) {
    assert.ok(
      Number.isFinite(f.value) && Number.isFinite(f.baselineValue) && Number.isFinite(f.ratio),
      `not finite: ${JSON.stringify(f)}`,
    );
    assert.equal(f.db, 'pglite');
  }
  assert.deepEqual(
    report.goals.map((g) => g.goal),
    ['revoke ≥ 0.7× bare SQL', 'list ≥ 0.5× bare read', '1,000-post revoke ≤ 25× a 4-post revoke'],
  );
  assert.ok(report.goals.every((g) => typeof g.pass === 'boolean'));
  assert.deepEqual(
    report.databases.map((d) => [d.kind, d.rateLimitStore, d.poolSize]),
    [['pglite', 'memory', 1]],
  );
  assert.match(renderText(report), /^(PASS|MISS) {2}pglite {4}revoke ≥ 0\.7× bare SQL: /m);
  assert.match(renderMarkdown(report), /^\| pglite \| guard: authenticate \| [^|]+ \| whoami, sequential \| /m);
});
