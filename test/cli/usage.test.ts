import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { SCOPES } from '../../src/http/scopes.js';
import { assertEnvelope } from '../assertions.js';
import { ADMIN_TOKEN, describeEachDb } from '../harness.js';

// The command line as a user types it: `node bin/layers.mjs …` in a fresh shell's environment.
// Exit codes: 0 ok, 1 the server answered with an error, 2 usage, 3 no server answered.

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const VERSION = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')).version as string;
const STACK = /\n\s+at .+:\d+/;
const show = (s: string) => s.slice(0, 600);

function cleanEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  for (const k of Object.keys(env)) {
    if (/^(LAYERS_|DATABASE_URL$|REDIS_URL$|PORT$|HOST$|NODE_TEST_CONTEXT$|NODE_OPTIONS$|TEST_)/.test(k)) delete env[k];
  }
  return { ...env, NODE_ENV: 'development' };
}

type Run = { args: string[]; code: number | null; stdout: string; stderr: string };

function layers(args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['bin/layers.mjs', ...args],
      { cwd: ROOT, env: cleanEnv(), timeout: 120_000 },
      (err, stdout, stderr) =>
        resolve({ args, code: err ? ((err as { code?: number }).code ?? null) : 0, stdout, stderr }),
    );
  });
}

/** Several runs, a few at a time (each start loads the whole CLI), results in order. */
async function layersEach(argLists: string[][]): Promise<Run[]> {
  const results: Run[] = new Array(argLists.length);
  let next = 0;
  const lane = async () => {
    while (next < argLists.length) {
      const i = next++;
      results[i] = await layers(argLists[i]!);
    }
  };
  await Promise.all(Array.from({ length: 4 }, lane));
  return results;
}

/** `layers … | head -1` with a reader gone before anything was written: stdout's pipe closed early. */
function layersIntoClosedPipe(args: string[]): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['bin/layers.mjs', ...args], {
      cwd: ROOT,
      env: cleanEnv(),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout.destroy();
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    child.on('close', (code) => resolve({ code, stderr }));
  });
}

const label = (run: Run) =>
  `layers ${run.args.join(' ')}: exit ${run.code} out ${show(run.stdout)} err ${show(run.stderr)}`;

/** A usage error: exit 2, one line on stderr naming the problem, nothing on stdout, no stack trace. */
function assertUsageError(run: Run, message: RegExp) {
  assert.equal(run.code, 2, label(run));
  assert.match(run.stderr, /^layers: [^\n]+\n$/, `one line: ${label(run)}`);
  assert.match(run.stderr, message, label(run));
  assert.doesNotMatch(run.stderr, STACK, label(run));
  assert.equal(run.stdout, '', label(run));
}

async function freePort(): Promise<number> {
  const server = net.createServer().listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((r) => server.close(r));
  return port;
}

describe('layers: help, version, usage errors, an absent server (real processes)', { timeout: 600_000 }, () => {
  it('help at every level exits 0 on stdout and explains the options and their values', async () => {
    const cases: [string[], RegExp[]][] = [
      [['--help'], [/serve/, /worker/, /migrate/, /admin/, /sandbox/, /--version/, /Exit codes/, /\n\s+3\s/]],
      [
        ['help', 'serve'],
        [/^Usage: layers serve/m, /--port <n>/, /--demo/, /--no-worker/, /--data-dir/],
      ],
      [
        ['serve', '--help'],
        [/^Usage: layers serve/m, /--demo/],
      ],
      [
        ['worker', '--help'],
        [/^Usage: layers worker/m, /--once/, /DATABASE_URL/],
      ],
      [
        ['migrate', '-h'],
        [/^Usage: layers migrate/m, /--data-dir/],
      ],
      [
        ['sandbox', '--help'],
        [/^Usage: layers sandbox/m, /--port/, /--host/],
      ],
      [
        ['admin', '--help'],
        [/^Usage: layers admin/m, /layers admin key list/, /layers admin key revoke/],
      ],
      [
        ['admin', 'org', '--help'],
        [/^Usage: layers admin org/m, /create/],
      ],
      [
        ['admin', 'key', '--help'],
        [/^Usage: layers admin key/m, /create/, /list/, /revoke/],
      ],
      [
        ['help', 'admin', 'key'],
        [/^Usage: layers admin key/m, /revoke/],
      ],
      [
        ['admin', 'project', '--help'],
        [/^Usage: layers admin project/m, /create/],
      ],
      [
        ['admin', 'lease', '--help'],
        [/^Usage: layers admin lease/m, /pool-add/, /fulfil/, /reject/],
      ],
      [
        ['admin', 'kill-switch', '--help'],
        [/^Usage: layers admin kill-switch/m, /set/],
      ],
      [
        ['admin', 'key', 'create', '--help'],
        [/--org <orgId>/, /--scopes <list>/, /"standard", "pilot", "partner"/, /"live", "test"/, /--url/, /--token/],
      ],
      [
        ['help', 'admin', 'key', 'create'],
        [/^Usage: layers admin key create/m, /--scopes/],
      ],
      [
        ['admin', 'key', 'list', '--help'],
        [/--org <orgId>/, /--table/, /masked/],
      ],
      [['admin', 'key', 'revoke', '--help'], [/^Usage: layers admin key revoke \[options\] <keyId>/m]],
      [
        ['admin', 'kill-switch', 'set', '--help'],
        [/"global", "organization", "key"/, /--on/, /--off/],
      ],
    ];
    const runs = await layersEach(cases.map(([args]) => args));
    runs.forEach((run, i) => {
      assert.equal(run.code, 0, label(run));
      assert.equal(run.stderr, '', label(run));
      assert.match(run.stdout, /^Usage: layers/m, label(run));
      const flat = run.stdout.replace(/\s+/g, ' '); // commander wraps long descriptions
      for (const re of cases[i]![1]) assert.ok(re.test(run.stdout) || re.test(flat), `${re}: ${label(run)}`);
    });
    const create = runs.find((r) => r.args.join(' ') === 'admin key create --help')!;
    const keyCreate = create.stdout.replace(/\s+/g, ' ');
    for (const scope of SCOPES) assert.ok(keyCreate.includes(` ${scope} `), `scope ${scope} listed: ${label(create)}`);
  });

  it('--version and -v print the package version; bare "layers" (or a bare group) prints help to stderr, exit 2', async () => {
    const [long, short, bare, bareAdmin, bareKey] = await layersEach([
      ['--version'],
      ['-v'],
      [],
      ['admin'],
      ['admin', 'key'],
    ]);
    for (const run of [long!, short!]) {
      assert.equal(run.code, 0, label(run));
      assert.equal(run.stdout, `${VERSION}\n`, label(run));
    }
    for (const [run, usage] of [
      [bare!, /^Usage: layers \[options\] \[command\]/],
      [bareAdmin!, /^Usage: layers admin /],
      [bareKey!, /^Usage: layers admin key /],
    ] as const) {
      assert.equal(run.code, 2, label(run));
      assert.equal(run.stdout, '', label(run));
      assert.match(run.stderr, usage, label(run));
    }
  });

  it('unknown commands, options and bad values: exit 2, one line, no stack trace', async () => {
    const cases: [string[], RegExp][] = [
      [['frobnicate'], /Unknown command "frobnicate"/],
      [['admin', 'org', 'delete'], /Unknown admin command "org delete"/],
      [['admin', 'frob'], /Unknown admin command "frob"/],
      [['help', 'nope'], /Unknown command "nope"/],
      [['serve', '--bogus'], /Unknown option '--bogus'.*layers serve --help/],
      [['admin', 'key', 'list', '--org', 'org_x', '--colour'], /Unknown option '--colour'/],
      [['admin', 'key', 'list'], /Missing --org\./],
      [['admin', 'key', 'revoke'], /missing required argument 'keyId'/i],
      [['admin', 'key', 'create', '--org', 'org_x', '--scopes', 'social:read,everything'], /Unknown scope everything/],
      [
        ['admin', 'key', 'create', '--org', 'org_x', '--scopes', '*', '--tier', 'gold'],
        /Allowed choices are standard, pilot, partner/,
      ],
      [['admin', 'posts', 'create', '--account', 'sa_x', '--count', 'many'], /Expected a whole number/],
      [
        ['admin', 'key', 'list', '--org', 'org_x', '--url', 'notaurl', '--token', 't'],
        /Invalid server URL "notaurl" \(from --url\)/,
      ],
    ];
    const runs = await layersEach(cases.map(([args]) => args));
    for (const [i, run] of runs.entries()) assertUsageError(run, cases[i]![1]);
  });

  it('no server answering: exit 3 with the URL checked and where it came from', async () => {
    const port = await freePort();
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'layers-cli-down-'));
    try {
      fs.writeFileSync(path.join(dataDir, 'server.json'), JSON.stringify({ url: `http://127.0.0.1:${port}` }));
      fs.writeFileSync(path.join(dataDir, 'admin-token'), 'lat_whatever');
      const empty = fs.mkdtempSync(path.join(os.tmpdir(), 'layers-cli-empty-'));
      const [byUrl, byServerJson, noServerJson] = await layersEach([
        ['admin', 'key', 'list', '--org', 'org_x', '--url', `http://127.0.0.1:${port}`, '--token', 't'],
        ['admin', 'key', 'list', '--org', 'org_x', '--data-dir', dataDir],
        ['admin', 'org', 'create', '--name', 'x', '--data-dir', empty],
      ]);
      const checked = (from: string) =>
        new RegExp(`Is \`layers serve\` running\\? Checked http://127\\.0\\.0\\.1:${port} from ${from}\\.\\n$`);
      for (const [run, from] of [
        [byUrl!, '--url'],
        [byServerJson!, path.join(dataDir, 'server.json').replace(/[.]/g, '\\.')],
      ] as const) {
        assert.equal(run.code, 3, label(run));
        assert.match(run.stderr, /^layers: Cannot reach the server \(ECONNREFUSED\)\./, label(run));
        assert.match(run.stderr, checked(from), label(run));
        assert.doesNotMatch(run.stderr, STACK, label(run));
        assert.equal(run.stdout, '', label(run));
      }
      assert.equal(noServerJson!.code, 3, label(noServerJson!));
      assert.match(
        noServerJson!.stderr,
        /No server found: no .*server\.json\. Is `layers serve` running/,
        label(noServerJson!),
      );
      fs.rmSync(empty, { recursive: true, force: true });
    } finally {
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it('a reader that goes away (| head -1): no stack trace, exit 0', async () => {
    const run = await layersIntoClosedPipe(['admin', 'key', 'create', '--help']);
    assert.equal(run.code, 0, show(run.stderr));
    assert.equal(run.stderr, '');
  });
});

describeEachDb('layers admin key list / revoke against a server (real processes)', (h) => {
  let base: string;
  before(async () => {
    await h.app.listen({ port: 0, host: '127.0.0.1' });
    base = `http://127.0.0.1:${(h.app.server.address() as net.AddressInfo).port}`;
  });
  const admin = (...args: string[]) => layers(['admin', ...args, '--url', base, '--token', ADMIN_TOKEN]);

  it('key list: masked, as JSON or a table; the secret never printed; a piped reader going away is no error', async () => {
    const t = await h.tenant({ scopes: ['social:read', 'publish:write'] });
    const [asJson, asTable] = await Promise.all([
      admin('key', 'list', '--org', t.organizationId),
      admin('key', 'list', '--org', t.organizationId, '--table'),
    ]);
    const secret = t.key.slice(-43);
    for (const run of [asJson, asTable]) {
      assert.equal(run.code, 0, label(run));
      assert.equal(run.stderr, '', label(run));
      assert.ok(!run.stdout.includes(secret), `the secret is not printed: ${label(run)}`);
    }
    const lines = asJson.stdout.trim().split('\n');
    assert.equal(lines.length, 1, 'one JSON object on one line, like every admin command');
    const [k] = JSON.parse(lines[0]!).items;
    assert.equal(k.apiKeyId, t.apiKeyId);
    assert.equal(k.masked, `lp_test_${t.apiKeyId}_…${t.key.slice(-4)}`);
    assert.deepEqual(k.scopes, ['social:read', 'publish:write']);
    const table = asTable.stdout.trimEnd().split('\n');
    assert.match(table[0]!, /^KEY\s+NAME\s+ENV\s+TIER\s+SCOPES\s+CREATED\s+STATUS$/);
    assert.match(
      table[1]!,
      new RegExp(
        `^lp_test_${t.apiKeyId}_…${t.key.slice(-4)}\\s+-\\s+test\\s+partner\\s+social:read,publish:write\\s+\\S+\\s+active$`,
      ),
    );

    const piped = await layersIntoClosedPipe([
      'admin',
      'key',
      'list',
      '--org',
      t.organizationId,
      '--url',
      base,
      '--token',
      ADMIN_TOKEN,
    ]);
    assert.equal(piped.code, 0, show(piped.stderr));
    assert.doesNotMatch(piped.stderr, STACK);
  });

  it('key revoke: prints {apiKeyId, revokedAt}; the key’s next call is 401 UNAUTHENTICATED', async () => {
    const t = await h.tenant();
    const run = await admin('key', 'revoke', t.apiKeyId);
    assert.equal(run.code, 0, label(run));
    const body = JSON.parse(run.stdout);
    assert.deepEqual(Object.keys(body), ['apiKeyId', 'revokedAt']);
    assert.equal(body.apiKeyId, t.apiKeyId);
    const res = await fetch(`${base}/v1/whoami`, { headers: t.auth });
    const envelope = assertEnvelope(
      { statusCode: res.status, body: await res.text(), headers: Object.fromEntries(res.headers) },
      401,
      'UNAUTHENTICATED',
    );
    assert.equal(envelope.message, 'Missing or invalid API key. Send "Authorization: Bearer lp_<live|test>_…".');
    const listed = await admin('key', 'list', '--org', t.organizationId, '--table');
    assert.match(listed.stdout, new RegExp(`revoked ${body.revokedAt}`));
  });

  it('the server answering 4xx: exit 1, its envelope (code and message) on stderr, nothing on stdout', async () => {
    const missing = 'org_00000000-0000-4000-8000-000000000000';
    const [notFound, badToken] = await Promise.all([
      admin('key', 'list', '--org', missing),
      layers(['admin', 'key', 'list', '--org', missing, '--url', base, '--token', 'lat_wrong']),
    ]);
    for (const [run, code] of [
      [notFound, 'NOT_FOUND'],
      [badToken, 'UNAUTHENTICATED'],
    ] as const) {
      assert.equal(run.code, 1, label(run));
      assert.equal(run.stdout, '', label(run));
      const { error } = JSON.parse(run.stderr);
      assert.equal(error.code, code, label(run));
      assert.ok(error.message.length > 0, label(run));
      assert.doesNotMatch(run.stderr, STACK, label(run));
    }
  });
});
