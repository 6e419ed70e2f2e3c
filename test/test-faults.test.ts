import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadConfig } from '../src/config.js';
import { parseTestFaults, testFaultHook } from '../src/test-faults.js';

// Parsed with the configuration (as a process gets it), then made into the services' hook.
const faultHookFromEnv = (spec: string | undefined, nodeEnv: string) => {
  const faults = loadConfig({ NODE_ENV: nodeEnv, LAYERS_TEST_FAULTS: spec }).testFaults;
  return faults && testFaultHook(faults);
};

describe('LAYERS_TEST_FAULTS', () => {
  it('throws at the named point the given number of times, then never again', () => {
    const hook = faultHookFromEnv('revoke:before-commit:2, schedule:after-insert:1', 'test')!;
    assert.throws(() => hook('revoke:before-commit'), /injected test fault at revoke:before-commit/);
    assert.doesNotThrow(() => hook('revoke:after-account-update'));
    assert.throws(() => hook('revoke:before-commit'));
    assert.doesNotThrow(() => hook('revoke:before-commit'));
    assert.throws(() => hook('schedule:after-insert'));
    assert.doesNotThrow(() => hook('schedule:after-insert'));
  });

  it('<point>:pause holds the next pass there (a promise that never settles), says so on stderr, and only once', async () => {
    const hook = faultHookFromEnv('revoke:before-commit:pause', 'test')!;
    const written: string[] = [];
    const write = process.stderr.write;
    process.stderr.write = ((chunk: string) => {
      written.push(String(chunk));
      return true;
    }) as typeof process.stderr.write;
    let held: unknown;
    try {
      held = hook('revoke:before-commit');
    } finally {
      process.stderr.write = write;
    }
    assert.ok(held instanceof Promise);
    const settled = await Promise.race([
      (held as Promise<void>).then(() => 'settled'),
      new Promise((r) => setTimeout(() => r('held'), 50)),
    ]);
    assert.equal(settled, 'held');
    assert.deepEqual(
      written.map((w) => JSON.parse(w)),
      [{ testFault: 'paused', point: 'revoke:before-commit' }],
    );
    assert.equal(hook('revoke:before-commit'), undefined, 'the next pass goes through');
  });

  it('absent: no hook; outside NODE_ENV=test or malformed: a configuration error, so it cannot reach production', () => {
    assert.equal(faultHookFromEnv(undefined, 'production'), undefined);
    assert.equal(faultHookFromEnv('', 'test'), undefined);
    for (const env of ['production', 'development']) {
      assert.throws(
        () => faultHookFromEnv('revoke:before-commit:1', env),
        (e: Error) => e.name === 'ConfigError' && /only with NODE_ENV=test/.test(e.message),
      );
    }
    assert.throws(() => faultHookFromEnv('revoke', 'test'), /not <point>:<count>/);
    assert.throws(() => parseTestFaults('revoke:often'), /not <point>:<count>/);
  });

  it('LAYERS_TEST_PAUSE: refused outside NODE_ENV=test as well', () => {
    assert.equal(
      loadConfig({ NODE_ENV: 'test', LAYERS_TEST_PAUSE: 'publisher:after-claim' }).testPause,
      'publisher:after-claim',
    );
    assert.throws(
      () => loadConfig({ NODE_ENV: 'production', LAYERS_TEST_PAUSE: 'publisher:after-claim' }),
      (e: Error) => e.name === 'ConfigError' && /LAYERS_TEST_PAUSE is honoured only with NODE_ENV=test/.test(e.message),
    );
  });
});
