import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type DemoServer, ROOT, startDemoServer } from './server.js';

// The TypeScript SDK as a partner gets it: `npm pack` in sdk/typescript (its prepack compiles
// dist/), then `npm install <tarball>` offline into an EMPTY project — nothing is built on
// install and nothing is fetched (the SDK has no runtime dependencies) — then plain node runs an
// ESM script against the real server, and the repository's tsc type-checks a .ts using the types.

function run(cmd: string, args: string[], cwd: string, env?: NodeJS.ProcessEnv): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(cmd, args, { cwd, env, timeout: 180_000 }, (err, stdout, stderr) =>
      err ? reject(new Error(`${cmd} ${args.join(' ')}: ${err.message}\n${stdout}\n${stderr}`)) : resolve(stdout),
    );
  });
}

const SCRIPT = `import { Layers, verifyWebhook } from '@layers/sdk';

const layers = new Layers(); // LAYERS_API_KEY, LAYERS_BASE_URL
const projectId = process.env.PROJECT_ID;
const result = await layers.social.revoke({ socialAccountId: process.env.ACCOUNT_ID });
const ids = [];
for await (const account of layers.social.list({ projectId, limit: 1 })) ids.push(account.socialAccountId);
const page = await layers.social.list({ projectId, limit: 100 });
console.log(JSON.stringify({
  canceled: result.canceledScheduledPosts,
  requestId: result.lastResponse.requestId,
  status: result.lastResponse.status,
  rateLimit: result.lastResponse.rateLimit,
  keys: Object.keys(result).includes('lastResponse'),
  iterated: ids,
  onePage: page.items.map((a) => a.socialAccountId),
  verify: typeof verifyWebhook,
}));
`;

const TYPED = `import { Layers, type SocialAccountSummary, ValidationError, verifyWebhook } from '@layers/sdk';

const layers = new Layers({ apiKey: 'lp_test_x', baseUrl: 'http://127.0.0.1:9' });
export async function main(): Promise<number> {
  const revoked = await layers.social.revoke({ socialAccountId: 'sa_x' });
  const n: number = revoked.canceledScheduledPosts;
  const requestId: string | undefined = revoked.lastResponse.requestId;
  const all: SocialAccountSummary[] = await layers.social.list({ projectId: 'prj_x' }).autoPagingToArray({ limit: 500 });
  for await (const account of layers.social.list({ projectId: 'prj_x' })) account.handle.toUpperCase();
  const event = await layers.webhooks.verify('{}', 't=1,v1=00', ['whsec_a', 'whsec_b'], { toleranceSeconds: 60 });
  const same = await verifyWebhook('{}', null, 'whsec_a');
  // @ts-expect-error socialAccountId is required
  await layers.social.revoke({});
  try {
    await layers.projects.create({ name: 'x', timezone: 'UTC' });
  } catch (e) {
    if (e instanceof ValidationError) return e.issues.length;
  }
  return n + all.length + (requestId ?? '').length + event.type.length + same.id.length;
}
`;

describe('@layers/sdk from its npm pack tarball, installed offline into an empty project', { timeout: 300_000 }, () => {
  let server: DemoServer;
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'layers-sdk-install-'));

  before(async () => {
    server = await startDemoServer();
  });
  after(async () => {
    await server?.stop();
    fs.rmSync(work, { recursive: true, force: true });
  });

  it('npm pack ships dist/*.js and .d.ts; npm install --offline; node runs a script against the server; tsc checks a .ts', async () => {
    const npm = 'npm';
    const packed = JSON.parse(
      await run(npm, ['pack', '--json', '--pack-destination', work], path.join(ROOT, 'sdk/typescript')),
    );
    const files: string[] = packed[0].files.map((f: { path: string }) => f.path);
    for (const f of ['dist/index.js', 'dist/index.d.ts', 'dist/client.js', 'dist/webhooks.d.ts', 'package.json'])
      assert.ok(files.includes(f), `the tarball lacks ${f}: ${files.join(', ')}`);
    const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'sdk/typescript/package.json'), 'utf8'));
    assert.deepEqual(Object.keys(pkg.dependencies ?? {}), [], 'no runtime dependencies');
    assert.equal(pkg.scripts.install ?? pkg.scripts.postinstall, undefined, 'nothing runs on install');

    const app = path.join(work, 'app');
    fs.mkdirSync(app);
    fs.writeFileSync(path.join(app, 'package.json'), '{ "name": "partner-app", "private": true, "type": "module" }\n');
    const cache = path.join(work, 'npm-cache'); // empty: nothing can come from a cache either
    await run(
      npm,
      ['install', '--offline', '--no-audit', '--no-fund', '--cache', cache, path.join(work, packed[0].filename)],
      app,
    );
    assert.ok(fs.existsSync(path.join(app, 'node_modules/@layers/sdk/dist/index.js')));

    fs.writeFileSync(path.join(app, 'main.mjs'), SCRIPT);
    const env = {
      PATH: process.env.PATH,
      LAYERS_API_KEY: server.apiKey,
      LAYERS_BASE_URL: server.baseUrl,
      PROJECT_ID: server.projectId,
      ACCOUNT_ID: server.socialAccountId,
    };
    const out = JSON.parse(await run(process.execPath, ['main.mjs'], app, env));
    assert.equal(out.canceled, 4, 'the seed account had 4 queued posts');
    assert.match(out.requestId, /^req_[0-9A-Z]{26}$/);
    assert.equal(out.status, 200);
    assert.equal(typeof out.rateLimit?.remaining, 'number');
    assert.equal(out.keys, false, 'lastResponse is not enumerable');
    assert.ok(out.onePage.length >= 2, `the demo project has several accounts: ${out.onePage}`);
    assert.ok(
      out.onePage.every((id: unknown) => typeof id === 'string' && id.startsWith('sa_')),
      JSON.stringify(out.onePage),
    );
    assert.deepEqual(out.iterated, out.onePage, 'pages of one, followed by nextCursor, give the same accounts');
    assert.equal(out.verify, 'function');

    fs.writeFileSync(path.join(app, 'typed.ts'), TYPED);
    fs.writeFileSync(
      path.join(app, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: { module: 'nodenext', target: 'es2022', strict: true, lib: ['es2022', 'dom'], noEmit: true },
        files: ['typed.ts'],
      }),
    );
    await run(process.execPath, [path.join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', app], app);
  });
});
