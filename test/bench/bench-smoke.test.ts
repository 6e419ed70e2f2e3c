import assert from 'node:assert/strict';
import { test } from 'node:test';
import { renderMarkdown, renderText } from '../../bench/report.js';
import { runBench } from '../../bench/run.js';
import { DATABASES, TEST_DATABASE_URL } from '../harness.js';

// The bench's own measurement functions, --quick, on the suite's databases: every goal of the
// issue is evaluated (PASS or MISS, a finite ratio) on each, every figure has a finite ratio,
// the filtered lists' EXPLAIN plans and the bare baselines' statements are in the report.
// No timing is asserted: this machine's numbers are noise.
test(`npm run bench --quick on ${DATABASES.join(' and ')}: every goal PASS/MISS with a finite ratio`, async () => {
  const report = await runBench({
    quick: true,
    databases: DATABASES,
    databaseUrl: TEST_DATABASE_URL,
    logLevel: 'silent',
  });
  const perDb = [
    'revoke (4 posts) ≥ 0.7× the same transaction bare',
    'list ≥ 0.7× the same SQL bare (key lookup + page)',
    'filtered list flat: ?status=disconnected @1,000 ≤ 2× @100',
    'filtered list flat: ?platform=instagram @1,000 ≤ 2× @100',
    'filtered list flat: ?leased=true @1,000 ≤ 2× @100',
    'filtered list flat: ?status=reauth_required (no match) @1,000 ≤ 2× @100',
    '1,000-post revoke ≤ 25× a 4-post revoke',
    '1,000-post revoke ≤ 2× a bare UPDATE of its posts',
    'p99 revoke ≤ 25 ms, open loop at ½ the bare peak',
    'list after 1,000 rows inserted and deleted ≤ 1.5× fresh',
    'idle RSS of layers serve, fresh ≤ 150 MiB (PostgreSQL) / 350 MiB (PGlite)',
    'idle RSS of layers serve, reopened ≤ 150 MiB (PostgreSQL) / 350 MiB (PGlite)',
    'nothing leaks: server heap after the run ≤ 1.25× after warm-up',
  ];
  const onlyOn: Record<string, string> = { 'p99 revoke': 'postgres', 'list after': 'pglite' };
  const expected = DATABASES.flatMap((db) =>
    perDb
      .filter((g) => (Object.entries(onlyOn).find(([prefix]) => g.startsWith(prefix))?.[1] ?? db) === db)
      .map((g) => `${db} | ${g}`),
  );
  assert.deepEqual(
    report.goals.map((g) => `${g.db} | ${g.goal}`),
    expected,
  );
  for (const g of report.goals) {
    assert.ok(Number.isFinite(g.ratio) && g.ratio > 0, `goal without a finite ratio: ${JSON.stringify(g)}`);
    assert.equal(typeof g.pass, 'boolean');
  }
  for (const f of report.figures) {
    assert.ok(
      Number.isFinite(f.value) && Number.isFinite(f.baselineValue) && Number.isFinite(f.ratio),
      `not finite: ${JSON.stringify(f)}`,
    );
  }
  // CPU per operation of the server and the load client on every database, of the backends on PostgreSQL.
  for (const db of DATABASES) {
    const cpu = report.figures.filter((f) => f.db === db && f.measurement.startsWith('revoke ') && f.unit === 'ms');
    const names = cpu.map((f) => f.measurement).filter((m) => m.endsWith('CPU/op'));
    const backends = db === 'postgres' ? ['revoke PostgreSQL backends CPU/op'] : [];
    const floor = 'revoke floor (bare statements behind node:http) server CPU/op';
    assert.deepEqual(names, ['revoke server CPU/op', ...backends, 'revoke load client CPU/op', floor]);
    // The floor under each load measurement: against the bare baseline, and the API against it.
    for (const op of ['revoke', 'list']) {
      const rates = report.figures.filter((f) => f.db === db && f.unit === '/s' && f.measurement.startsWith(`${op} `));
      const floorRate = rates.find((f) => f.measurement === `${op} floor (bare statements behind node:http)/s`);
      assert.ok(floorRate?.baseline.startsWith('bare'), `${db} ${op}: the floor against the bare baseline`);
      const api = rates.find((f) => f.measurement === `${op} API/s`);
      assert.equal(api?.baselineValue, floorRate?.value, `${db} ${op}: the API against the floor`);
    }
  }
  // The EXPLAIN of each filter, and the statements the bare baselines replay (a transaction's worth for the revoke).
  assert.equal(report.plans.length, 4 * DATABASES.length);
  for (const p of report.plans) assert.match(p.plan, /social_accounts/);
  for (const s of report.statements) {
    assert.ok(s.revoke.some((q) => /^select .* from "social_accounts" .* for update$/i.test(q)));
    assert.ok(s.revoke.some((q) => /UPDATE scheduled_posts/i.test(q)));
    assert.ok(s.list.some((q) => /from "api_keys"/i.test(q)));
  }
  assert.ok(report.machine.loadAverage.length >= 3);
  const db = DATABASES[0]!;
  assert.match(renderText(report), new RegExp(`^(PASS|MISS) {2}${db} +revoke \\(4 posts\\) ≥ 0\\.7× `, 'm'));
  assert.match(
    renderMarkdown(report),
    new RegExp(`^\\| list ≥ 0\\.7× [^|]+ \\| ${db} \\| [^|]+ \\| \\*\\*(PASS|MISS)\\*\\* \\|$`, 'm'),
  );
});
