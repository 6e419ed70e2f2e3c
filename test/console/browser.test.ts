import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';
import { ADMIN_TOKEN, createHarness, json, type Tenant } from '../harness.js';

// The operator console in a real browser (Debian's chromium, headless, as test/openapi/docs-page
// does) against a real listening server: sign in, fulfil a lease request, kill an organization
// and see its partner's next request refused, revoke an account and see the count, replay a
// delivery. A screenshot of every page goes to test-artifacts/console/ (gitignored).

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--no-first-run'];
const SHOTS = path.resolve('test-artifacts/console');
const admin = { authorization: `Bearer ${ADMIN_TOKEN}` };

describe('operator console (headless Chromium, real server)', { timeout: 180_000 }, () => {
  const h = createHarness('pglite');
  let baseUrl: string;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let t: Tenant;
  const errors: string[] = [];

  const api = async (method: string, url: string, headers: Record<string, string>, payload?: unknown) => {
    const res = await h.inject({ method: method as 'GET', url, headers, payload: payload as object });
    return { status: res.statusCode, body: res.body ? json(res) : undefined };
  };
  const shot = (name: string) => page.screenshot({ path: path.join(SHOTS, `${name}.png`), fullPage: true });
  const notice = () => page.locator('.notice').textContent().then(String);

  before(async () => {
    assert.ok(fs.existsSync(CHROMIUM), `${CHROMIUM} is missing: apt-get install -y chromium (.ci/run does it)`);
    fs.mkdirSync(SHOTS, { recursive: true });
    await h.start();
    baseUrl = await h.app.listen({ port: 0, host: '127.0.0.1' });
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS });
    context = await browser.newContext({ viewport: { width: 1366, height: 768 } }); // a laptop screen
    page = await context.newPage();
    page.on('pageerror', (e) => errors.push(e.message));
    page.on('dialog', (d) => d.accept()); // the progressive confirm() of destructive forms
    t = await h.tenant();
  });
  after(async () => {
    await browser?.close();
    await h.stop();
  });

  it('redirects to sign-in, refuses a wrong token, signs in with the operator token', async () => {
    await page.goto(`${baseUrl}/console`);
    assert.equal(new URL(page.url()).pathname, '/console/sign-in');
    await shot('sign-in');
    await page.getByLabel('Operator token').fill('not-the-token');
    await page.getByRole('button', { name: 'Sign in' }).click();
    assert.match(await notice(), /not the operator token/);
    await page.getByLabel('Operator token').fill(ADMIN_TOKEN);
    await page.getByLabel('Operator token').press('Enter'); // the keyboard alone signs in
    await page.getByRole('heading', { name: 'Overview' }).waitFor();
    assert.equal(new URL(page.url()).pathname, '/console');
    assert.ok(!page.url().includes(ADMIN_TOKEN), 'the token is never in a URL');
    const [cookie] = await context.cookies();
    assert.equal(cookie?.name, 'layers_console');
    assert.equal(cookie?.httpOnly, true);
    assert.equal(cookie?.sameSite, 'Strict');
    assert.equal(cookie?.secure, true, 'Secure outside development (Chromium keeps it on loopback http)');
    assert.ok(!(await page.content()).includes(ADMIN_TOKEN), 'the token is not in the page source');
    assert.equal(await page.locator('svg.chart').count(), 3, 'a chart per queue that can fail');
    await shot('overview');
  });

  it('fulfils a lease request from the pool: part by picking, the rest by count', async () => {
    const requested = await api('POST', `/v1/projects/${t.projectId}/leased-accounts/request`, t.auth, {
      count: 2,
      niche: { vertical: 'fitness' },
      note: 'two warmed accounts please',
    });
    assert.equal(requested.status, 201, JSON.stringify(requested.body));
    const requestId = requested.body.requestId as string;
    await api('POST', '/admin/v1/lease-pool', admin, { platform: 'tiktok', handle: 'pool_one', followers: 5000 });
    await page.getByRole('link', { name: 'Lease requests' }).click();
    // The console adds the second pool account itself.
    await page.getByLabel('Platform').selectOption('instagram');
    await page.getByLabel('Handle').fill('pool_two');
    await page.getByLabel('Followers').fill('7000');
    await page.getByRole('button', { name: 'Add' }).click();
    assert.match(await notice(), /Pool account added/);
    await shot('lease-requests');
    await page.getByRole('link', { name: requestId }).click();
    await page.getByLabel('@pool_one').check();
    await page.getByRole('button', { name: 'Fulfil' }).click();
    assert.match(await notice(), /Assigned 1 account; the request is now partial/);
    await shot('lease-request-partial');
    await page.getByLabel('Or the oldest available, how many').fill('1');
    await page.getByRole('button', { name: 'Fulfil' }).click();
    assert.match(await notice(), /Assigned 1 account; the request is now assigned/);
    await shot('lease-request');
    const seen = await api('GET', `/v1/projects/${t.projectId}/leased-accounts/requests/${requestId}`, t.auth);
    assert.equal(seen.body.status, 'assigned');
    assert.equal(seen.body.assignedSocialAccountIds.length, 2);
    const leased = await api('GET', `/v1/projects/${t.projectId}/leased-accounts`, t.auth);
    assert.deepEqual(leased.body.items.map((a: { handle: string }) => a.handle).sort(), ['pool_one', 'pool_two']);
  });

  it('kills an organization: its partner’s next request is 503 KILL_SWITCH; unkilled, 200 again', async () => {
    const name = await h.db
      .selectFrom('organizations')
      .select('name')
      .where('id', '=', t.organizationId)
      .executeTakeFirstOrThrow();
    await page.getByRole('link', { name: 'Organizations' }).click();
    await page.getByLabel('Name or id').fill(name.name);
    await page.getByRole('button', { name: 'Search' }).click();
    await page.getByRole('link', { name: name.name }).click();
    assert.match(String(await page.locator('main').textContent()), /lp_test_key_[0-9a-f-]+_…/, 'keys shown masked');
    assert.ok(!(await page.content()).includes(t.key), 'never the key itself');
    await page.getByRole('button', { name: `Kill organization ${name.name}` }).click();
    assert.match(await notice(), /Organization killed/);
    const refused = await fetch(`${baseUrl}/v1/whoami`, { headers: t.auth });
    assert.equal(refused.status, 503);
    const envelope = (await refused.json()) as { error: { code: string; details: { scope: string } } };
    assert.equal(envelope.error.code, 'KILL_SWITCH');
    assert.equal(envelope.error.details.scope, 'organization');
    await shot('organization');
    await page.getByRole('button', { name: `Unkill organization ${name.name}` }).click();
    assert.match(await notice(), /Organization unkilled/);
    assert.equal((await fetch(`${baseUrl}/v1/whoami`, { headers: t.auth })).status, 200);
  });

  it('finds an account by handle and revokes it: the count the API gives, the partner sees it', async () => {
    const id = await h.account(t);
    await h.queuedPosts(id, 4);
    const { handle } = await h.db
      .selectFrom('social_accounts')
      .select('handle')
      .where('id', '=', id)
      .executeTakeFirstOrThrow();
    await page.getByRole('link', { name: 'Social accounts' }).click();
    await page.getByLabel('Account id or handle').fill(`@${handle}`);
    await page.getByRole('button', { name: 'Find' }).click();
    await shot('social-accounts');
    await page.getByRole('link', { name: `@${handle}` }).click();
    assert.equal(await page.locator('tbody tr').count(), 4, 'its 4 queued posts');
    await page.getByRole('button', { name: `Revoke @${handle}` }).click();
    assert.match(await notice(), /Revoked: 4 queued posts canceled/);
    assert.match(String(await page.locator('#account-status').textContent()), /disconnected \(revoked_by_partner\)/);
    assert.match(String(await page.locator('#upstream').textContent()), /pending/);
    await shot('social-account');
    const partner = await api('GET', `/v1/social-accounts/${id}`, t.auth);
    assert.equal(partner.body.status, 'disconnected');
    assert.equal(partner.body.queuedScheduledPosts, 0);
  });

  it('lists a failing endpoint with its last deliveries and replays one', async () => {
    const created = await api('POST', '/v1/webhook-endpoints', t.auth, {
      url: 'http://127.0.0.1:9/hook',
      events: ['*'],
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const endpointId = created.body.id as string;
    const ping = await api('POST', `/v1/webhook-endpoints/${endpointId}/test`, t.auth);
    // What the worker records after failed attempts (its own tests prove it does): the state this page reads.
    await h.db
      .updateTable('webhook_deliveries')
      .set({
        status: 'failed',
        attempts: 3,
        last_error: 'connection refused (ECONNREFUSED)',
        last_attempt_at: new Date(),
      })
      .where('id', '=', ping.body.id)
      .execute();
    await h.db.updateTable('webhook_endpoints').set({ consecutive_failures: 3 }).where('id', '=', endpointId).execute();
    await page.getByRole('link', { name: 'Webhooks' }).click();
    assert.match(String(await page.locator('main').textContent()), /3 consecutive failures/);
    await shot('webhooks');
    await page.getByRole('button', { name: `Replay ${ping.body.id}` }).click();
    assert.match(await notice(), /Replay queued/);
    const deliveries = await api('GET', `/v1/webhook-endpoints/${endpointId}/deliveries`, t.auth);
    const replay = deliveries.body.items.find((d: { replayOf: string | null }) => d.replayOf !== null);
    assert.ok(replay, 'a new delivery, a replay of the first event');
    assert.equal(replay.status, 'pending');
    await page.getByRole('link', { name: 'Overview' }).click();
    const row = page.getByRole('row', { name: /Webhook deliveries/ });
    assert.equal((await row.locator('td').nth(2).textContent())?.trim(), '1', 'the failed delivery, in the last hour');
    assert.match(String(await row.locator('svg').getAttribute('aria-label')), /: 1 in the last 24 hours/);
    await shot('overview-failing');
  });

  it('every form control is labelled, the skip link comes first, and no page threw', async () => {
    for (const url of ['/console', '/console/organizations', '/console/lease-requests', '/console/social-accounts']) {
      await page.goto(`${baseUrl}${url}`);
      const unlabelled = await page.$$eval('input:not([type=hidden]), select, textarea', (els) =>
        els
          .filter((e) => (e as HTMLInputElement).labels?.length === 0 && !e.getAttribute('aria-label'))
          .map((e) => e.outerHTML),
      );
      assert.deepEqual(unlabelled, [], url);
      await page.keyboard.press('Tab');
      assert.equal(await page.evaluate(() => document.activeElement?.textContent), 'Skip to content', url);
    }
    assert.deepEqual(errors, []);
    for (const name of [
      'sign-in',
      'overview',
      'lease-requests',
      'lease-request',
      'organization',
      'social-accounts',
      'social-account',
      'webhooks',
      'overview-failing',
    ])
      assert.ok(fs.statSync(path.join(SHOTS, `${name}.png`)).size > 5_000, name);
  });
});
