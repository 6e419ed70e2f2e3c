import assert from 'node:assert/strict';
import { it } from 'node:test';
import { ConfigError, loadConfig, requireProductionSettings } from '../src/config.js';
import { maskUrl } from '../src/startup.js';

// src/config.ts names every problem at once, and production's missing variables in one message.

it('every invalid variable and every bad combination in one message', () => {
  assert.throws(
    () =>
      loadConfig({
        NODE_ENV: 'production',
        PORT: 'abc',
        LOG_LEVEL: 'loud',
        LAYERS_DB_CONNECT_TIMEOUT_MS: '-1',
        RATE_LIMIT_STORE: 'redis',
        LOG_FORMAT: 'pretty',
        LAYERS_WEBHOOK_ALLOW_LOOPBACK: '1',
        LAYERS_TEST_PAUSE: 'x',
      }),
    (e: unknown) => {
      assert.ok(e instanceof ConfigError);
      const lines = e.message.split('\n');
      assert.equal(lines[0], 'Invalid configuration:');
      for (const name of [
        'PORT',
        'LOG_LEVEL',
        'LAYERS_DB_CONNECT_TIMEOUT_MS',
        'RATE_LIMIT_STORE=redis needs REDIS_URL',
        'LOG_FORMAT=pretty',
        'LAYERS_WEBHOOK_ALLOW_LOOPBACK=1',
        'LAYERS_TEST_PAUSE',
      ])
        assert.ok(
          lines.some((l) => l.startsWith(`  ${name}`)),
          `${name} named: ${e.message}`,
        );
      return true;
    },
  );
});

it('production: every missing secret and platform credential in one message', () => {
  const config = loadConfig({ NODE_ENV: 'production' });
  assert.throws(
    () => requireProductionSettings(config),
    (e: unknown) =>
      e instanceof ConfigError &&
      e.message ===
        'In production LAYERS_MASTER_KEY, LAYERS_ADMIN_TOKEN, LAYERS_TIKTOK_CLIENT_KEY, LAYERS_TIKTOK_CLIENT_SECRET, ' +
          'LAYERS_INSTAGRAM_CLIENT_ID, LAYERS_INSTAGRAM_CLIENT_SECRET must be set.',
  );
  assert.doesNotThrow(() => requireProductionSettings(loadConfig({})), 'development needs none');
});

it('a serving process in production: bad values and missing production variables in the same message', () => {
  const check = (e: unknown) => {
    assert.ok(e instanceof ConfigError);
    assert.deepEqual(e.message.split('\n'), [
      'Invalid configuration:',
      '  PORT: Invalid input: expected number, received NaN',
      '  In production LAYERS_MASTER_KEY, LAYERS_ADMIN_TOKEN, LAYERS_TIKTOK_CLIENT_KEY, LAYERS_TIKTOK_CLIENT_SECRET, ' +
        'LAYERS_INSTAGRAM_CLIENT_ID, LAYERS_INSTAGRAM_CLIENT_SECRET must be set.',
    ]);
    return true;
  };
  assert.throws(() => loadConfig({ NODE_ENV: 'production', PORT: 'abc' }, { serving: true }), check);
  // `layers migrate` does not serve: it needs none of them.
  assert.doesNotThrow(() => loadConfig({ NODE_ENV: 'production' }));
});

it('LAYERS_SANDBOX_URL: a sandbox elsewhere; the platforms and test accounts go there, none is started', () => {
  const p = loadConfig({ LAYERS_SANDBOX_URL: 'http://sandbox.internal:8090/' }).platforms;
  assert.equal(p.sandbox.url, 'http://sandbox.internal:8090');
  assert.equal(p.tiktok.baseUrl, 'http://sandbox.internal:8090');
  assert.equal(p.instagram.baseUrl, 'http://sandbox.internal:8090');
  assert.equal(p.sandbox.start, false);
  assert.equal(loadConfig({}).platforms.sandbox.start, true, 'without it, the local one as before');
  assert.throws(() => loadConfig({ LAYERS_SANDBOX_URL: 'sandbox:8090' }), /LAYERS_SANDBOX_URL/);
});

it('maskUrl hides a password and nothing else', () => {
  assert.equal(maskUrl('postgres://app:s3cret@db:5432/x'), 'postgres://app:***@db:5432/x');
  assert.equal(maskUrl('postgres://db:5432/x'), 'postgres://db:5432/x');
});
