import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type Browser, chromium } from 'playwright-core';
import { createHarness, json } from '../harness.js';

// The /docs reference page in a real browser (Debian's chromium, headless) against a real
// listening server: it renders the seed's endpoint, and loads nothing from any other origin.

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--no-first-run',
  '--disable-sync',
];

describe('/docs (headless Chromium, real server)', { timeout: 120_000 }, () => {
  const h = createHarness('pglite');
  let baseUrl: string;
  let browser: Browser;
  const screenshot = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'layers-docs-')), 'docs.png');

  before(async () => {
    assert.ok(fs.existsSync(CHROMIUM), `${CHROMIUM} is missing: apt-get install -y chromium (.ci/run does it)`);
    await h.start();
    baseUrl = await h.app.listen({ port: 0, host: '127.0.0.1' });
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS });
  });
  after(async () => {
    await browser?.close();
    await h.stop();
  });

  it('serves the page, its assets and the document; an unknown asset is a 404 envelope', async () => {
    const page = await fetch(`${baseUrl}/docs`);
    assert.equal(page.status, 200);
    assert.match(page.headers.get('content-type') ?? '', /text\/html/);
    assert.match(page.headers.get('content-security-policy') ?? '', /default-src 'self'/);
    assert.doesNotMatch(await page.text(), /https?:\/\//, 'no absolute URL in the page: nothing from a CDN');
    for (const [file, type] of [
      ['swagger-ui-bundle.js', /javascript/],
      ['swagger-ui.css', /text\/css/],
    ] as const) {
      const res = await fetch(`${baseUrl}/docs/assets/${file}`);
      assert.equal(res.status, 200, file);
      assert.match(res.headers.get('content-type') ?? '', type, file);
      assert.ok((await res.arrayBuffer()).byteLength > 10_000, file);
    }
    const missing = await h.inject({ method: 'GET', url: '/docs/assets/..%2Fpackage.json' });
    assert.equal(missing.statusCode, 404, missing.body);
    assert.equal(json(missing).error.code, 'NOT_FOUND');
    const served = json(await h.inject({ method: 'GET', url: '/openapi.json' }));
    const committed = JSON.parse(fs.readFileSync(new URL('../../openapi/openapi.json', import.meta.url), 'utf8'));
    assert.deepEqual(
      Object.keys(served.paths).sort(),
      Object.keys(committed.paths).sort(),
      '/openapi.json serves the committed document’s paths',
    );
  });

  it('GET / redirects (302) to /docs', async () => {
    const res = await fetch(`${baseUrl}/`, { redirect: 'manual' });
    assert.equal(res.status, 302, await res.text());
    assert.equal(res.headers.get('location'), '/docs');
  });

  it('renders the revoke endpoint, loading nothing from outside the server', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 2200 } });
    const foreign: string[] = [];
    const failed: string[] = [];
    page.on('request', (r) => {
      if (!r.url().startsWith(baseUrl) && !r.url().startsWith('data:')) foreign.push(r.url());
    });
    page.on('requestfailed', (r) => failed.push(`${r.url()} ${r.failure()?.errorText}`));
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(`${baseUrl}/docs`, { waitUntil: 'load' });
    const revoke = page.locator('.opblock-delete', { hasText: '/v1/social-accounts/{socialAccountId}' });
    await revoke.first().waitFor({ state: 'visible', timeout: 30_000 });
    await revoke.first().locator('.opblock-summary').click(); // expand it: parameters and responses
    await page
      .getByText('Account id, `sa_<uuid>`.')
      .or(page.getByText('Account id, sa_<uuid>.'))
      .first()
      .waitFor({ timeout: 10_000 })
      .catch(() => {});
    await page.screenshot({ path: screenshot, fullPage: false });
    // biome-ignore lint/performance/useDomNodeTextContent: a Playwright locator; innerText is what a reader sees.
    const text = await page.locator('body').innerText();
    assert.ok(text.includes('Revoke a social account'), `page text: ${text.slice(0, 500)}`);
    assert.ok(text.includes('/v1/social-accounts/{socialAccountId}'), 'the revoke path is shown');
    assert.ok(text.includes('Layers partner API'), 'the title is shown');
    assert.ok(text.includes('social:write'), 'the scope is shown');
    const servers = await page.locator('.servers select option').allTextContents();
    assert.match(servers[0] ?? '', new RegExp(`^${baseUrl}`), `"Try it out" goes to this server first: ${servers}`);
    // The response example, not a schema's placeholder ("string", 9007199254740991).
    await page.getByText('"canceledScheduledPosts": 4').first().waitFor({ timeout: 10_000 });
    // biome-ignore lint/performance/useDomNodeTextContent: a Playwright locator; innerText is what a reader sees.
    const shown = await page.locator('.opblock-delete .responses-wrapper').first().innerText();
    assert.match(shown, /"socialAccountId": "sa_[0-9a-f]{8}-/, `the revoke example: ${shown.slice(0, 800)}`);
    assert.match(shown, /"canceledScheduledPosts": 4/, 'the count of canceled posts');
    assert.match(shown, /"code": "UNAUTHENTICATED"/, 'the 401 example has its own code');
    assert.doesNotMatch(shown, /9007199254740991/, 'no schema placeholder');
    assert.deepEqual(foreign, [], 'requests to other origins');
    assert.deepEqual(failed, [], 'failed requests');
    assert.deepEqual(errors, [], 'page errors');
    assert.ok(fs.statSync(screenshot).size > 10_000, `screenshot at ${screenshot}`);
    console.log(`# docs screenshot: ${screenshot}`);
    await page.close();
  });
});
