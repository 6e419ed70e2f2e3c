import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { faultHookFromEnv } from '../src/test-faults.js';

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

  it('absent: no hook; outside NODE_ENV=test or malformed: a configuration error, so it cannot reach production', () => {
    assert.equal(faultHookFromEnv(undefined, 'production'), undefined);
    assert.equal(faultHookFromEnv('', 'test'), undefined);
    for (const env of ['production', 'development']) {
      assert.throws(() => faultHookFromEnv('revoke:before-commit:1', env), (e: Error) => e.name === 'ConfigError' && /only with NODE_ENV=test/.test(e.message));
    }
    assert.throws(() => faultHookFromEnv('revoke', 'test'), /not <point>:<count>/);
  });
});
