import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError, loadConfig, requirePlatformCredentials } from '../../src/config.js';
import { createPlatformAdapters } from '../../src/platforms/index.js';

const LIVE = {
  LAYERS_TIKTOK_CLIENT_KEY: 'ck',
  LAYERS_TIKTOK_CLIENT_SECRET: 'cs',
  LAYERS_INSTAGRAM_CLIENT_ID: '42',
  LAYERS_INSTAGRAM_CLIENT_SECRET: 'is',
};
// The platform settings are part of the one configuration (src/config.ts).
const loadPlatformSettings = (env: NodeJS.ProcessEnv, nodeEnv: 'development' | 'production' | 'test') =>
  loadConfig({ ...env, NODE_ENV: nodeEnv }).platforms;
const hostOf = (url: string) => new URL(url).host;
const authorizeHosts = (env: NodeJS.ProcessEnv, nodeEnv: 'development' | 'production' | 'test') => {
  const a = createPlatformAdapters(loadPlatformSettings(env, nodeEnv));
  const p = { state: 's', redirectUri: 'https://api.example/cb' };
  return [hostOf(a.tiktok.authorizeUrl(p)), hostOf(a.instagram.authorizeUrl(p))];
};

describe('platform settings', () => {
  it('production: the real hosts, and client credentials are required', () => {
    assert.deepEqual(authorizeHosts(LIVE, 'production'), ['www.tiktok.com', 'www.instagram.com']);
    const s = loadPlatformSettings(LIVE, 'production');
    assert.equal(s.sandbox.start, false);
    assert.equal(s.tiktok.clientKey, 'ck');
    assert.doesNotThrow(() => requirePlatformCredentials(loadConfig({ ...LIVE, NODE_ENV: 'production' })));
    assert.throws(
      // Checked by the processes that call the platforms (serve, worker), not by `layers migrate`.
      () => requirePlatformCredentials(loadConfig({ NODE_ENV: 'production' })),
      (e: unknown) => e instanceof ConfigError && /LAYERS_TIKTOK_CLIENT_KEY/.test(e.message),
    );
  });

  it('development and test: the sandbox on 127.0.0.1 (LAYERS_SANDBOX_PORT), which the process should start', () => {
    assert.deepEqual(authorizeHosts({}, 'development'), ['127.0.0.1:8090', '127.0.0.1:8090']);
    assert.deepEqual(authorizeHosts({ LAYERS_SANDBOX_PORT: '9911' }, 'test'), ['127.0.0.1:9911', '127.0.0.1:9911']);
    assert.equal(loadPlatformSettings({}, 'development').sandbox.start, true);
  });

  it('an explicit base URL wins in any environment', () => {
    const env = {
      ...LIVE,
      LAYERS_TIKTOK_BASE_URL: 'http://tiktok.staging:7000',
      LAYERS_INSTAGRAM_BASE_URL: 'http://ig.staging:7001',
    };
    assert.deepEqual(authorizeHosts(env, 'production'), ['tiktok.staging:7000', 'ig.staging:7001']);
    assert.equal(loadPlatformSettings(env, 'development').sandbox.start, false);
    assert.throws(() => loadPlatformSettings({ LAYERS_TIKTOK_BASE_URL: 'not a url' }, 'development'), ConfigError);
  });
});
