import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { cleanEnv, type DemoServer, ROOT, startDemoServer } from './server.js';

// Runs the Python SDK's unittest suite (sdk/python/tests) in CI against real servers: a clean
// `serve --demo` process, and one with an injected fault (LAYERS_TEST_FAULTS). This file
// prepares what the live tests need and hands it over as LAYERS_TEST_FIXTURES; none may skip.

describe('Python SDK (unittest) against the real server', { timeout: 420_000 }, () => {
  let server: DemoServer;
  let faulty: DemoServer;
  let fixtures: Record<string, unknown>;

  before(async () => {
    [server, faulty] = await Promise.all([
      startDemoServer(),
      startDemoServer({ LAYERS_TEST_FAULTS: 'revoke:before-commit:2' }),
    ]);
    const standard = await server.cli([
      'admin',
      'key',
      'create',
      '--org',
      server.organizationId,
      '--scopes',
      'social:write',
      '--tier',
      'standard',
    ]);
    const readOnly = await server.admin('POST', '/api-keys', {
      organizationId: server.organizationId,
      scopes: ['social:read'],
      tier: 'partner',
    });
    const [rateAccountId, idempotencyAccountId, scheduleAccountId, faultAccountId] = await Promise.all([
      server.accountWithPosts(3),
      server.accountWithPosts(2),
      server.accountWithPosts(0),
      faulty.accountWithPosts(5),
    ]);
    fixtures = {
      baseUrl: server.baseUrl,
      apiKey: server.apiKey,
      organizationId: server.organizationId,
      projectId: server.projectId,
      seedAccountId: server.socialAccountId,
      leasedAccountId: server.leasedSocialAccountId,
      standardKey: standard.key,
      readOnlyKey: readOnly.key,
      rateAccountId,
      idempotencyAccountId,
      scheduleAccountId,
      fault: { baseUrl: faulty.baseUrl, apiKey: faulty.apiKey, accountId: faultAccountId },
    };
  });
  after(() => Promise.all([server?.stop(), faulty?.stop()]));

  it('python3 -m unittest discover -s sdk/python/tests: all pass, none skipped (the seed snippet returns 4)', async (t) => {
    const env = cleanEnv({
      LAYERS_BASE_URL: server.baseUrl,
      LAYERS_API_KEY: server.apiKey,
      LAYERS_TEST_FIXTURES: JSON.stringify(fixtures),
      PYTHONDONTWRITEBYTECODE: '1',
    });
    const { code, output } = await new Promise<{ code: number | null; output: string }>((resolve) => {
      const child = spawn(
        'python3',
        ['-m', 'unittest', 'discover', '-s', 'sdk/python/tests', '-t', 'sdk/python', '-v'],
        { cwd: ROOT, env },
      );
      let out = '';
      child.stdout.on('data', (d) => (out += d));
      child.stderr.on('data', (d) => (out += d));
      child.on('close', (c) => resolve({ code: c, output: out }));
    });
    const tail = output.slice(-6000);
    assert.equal(code, 0, `unittest failed:\n${tail}`);
    const ran = Number(/Ran (\d+) tests?/.exec(output)?.[1] ?? 0);
    assert.ok(ran >= 19, `ran ${ran} tests:\n${tail}`);
    assert.match(output, /\nOK\n/, tail);
    assert.doesNotMatch(output, /skipped/, `no test may skip here:\n${tail}`);
    assert.match(output, /test_seed_snippet_returns_4 .* \.\.\. ok/, tail);
    assert.match(output, /test_real_429_is_waited_out .* \.\.\. ok/, tail);
    assert.match(output, /test_injected_500_is_retried_and_the_revoke_runs_once .* \.\.\. ok/, tail);
    // Each Python test as a subtest here, so the runner's counts include them.
    for (const [, name, where, status] of output.matchAll(/^(test_\w+) \(([\w.]+)\) \.\.\. (.+)$/gm)) {
      await t.test(`python ${where ?? name}`, () => assert.equal(status, 'ok'));
    }
  });
});
