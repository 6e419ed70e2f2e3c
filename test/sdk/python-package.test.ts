import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { cleanEnv, type DemoServer, ROOT, startDemoServer } from './server.js';

// The Python SDK as a partner gets it and types it: pyright (pinned in devDependencies, strict) finds no
// error in the package nor in examples/every_method.py, and does find misuses; the sdist
// and the wheel build offline (the stdlib backend in sdk/python/_build) and install with
// `pip --no-index` into a fresh venv, which then calls the real server.

const PY = path.join(ROOT, 'sdk/python');
const PYRIGHT = path.join(ROOT, 'node_modules/pyright/index.js');

function run(cmd: string, args: string[], cwd: string, env?: NodeJS.ProcessEnv): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(cmd, args, { cwd, env, timeout: 240_000, maxBuffer: 16 << 20 }, (err, stdout, stderr) =>
      err
        ? reject(Object.assign(new Error(`${cmd} ${args.join(' ')}: ${err.message}\n${stdout}\n${stderr}`), { stdout }))
        : resolve(stdout),
    );
  });
}

type PyrightReport = {
  summary: { filesAnalyzed: number; errorCount: number };
  generalDiagnostics: { file: string; severity: string; message: string; range: { start: { line: number } } }[];
};

async function pyright(args: string[], cwd: string): Promise<PyrightReport> {
  // Exit code 1 means "errors found": the JSON on stdout says which.
  const out = await run(process.execPath, [PYRIGHT, '--outputjson', ...args], cwd).catch((e) => e.stdout as string);
  return JSON.parse(out);
}

const MISUSE = `from layers import Layers

layers = Layers()
layers.social.revoke()  # line 4: social_account_id is required
layers.social.revoke(social_account_id=7)  # line 5: not a str
project = layers.projects.create(name="x", timezone="UTC")
print(project["nmae"])  # line 7: no such key
layers.webhooks.create(url="https://x.example", events=["post.exploded"])  # line 8: not an event type
layers.content.list(project_id="prj_x").auto_paging_iter().foo  # line 9: an iterator has no foo
`;

describe('Python SDK: types (pyright) and packaging (sdist → wheel → venv)', { timeout: 420_000 }, () => {
  let server: DemoServer;
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'layers-sdk-py-'));

  before(async () => {
    server = await startDemoServer();
  });
  after(async () => {
    await server?.stop();
    fs.rmSync(work, { recursive: true, force: true });
  });

  it('pyright (strict): 0 errors in sdk/python (layers/ and examples/every_method.py), and misuses are errors', async () => {
    const report = await pyright(['-p', 'pyrightconfig.json'], PY);
    const errors = report.generalDiagnostics.filter((d) => d.severity === 'error');
    assert.equal(
      report.summary.errorCount,
      0,
      errors.map((d) => `${path.relative(ROOT, d.file)}:${d.range.start.line + 1} ${d.message}`).join('\n'),
    );
    assert.ok(report.summary.filesAnalyzed >= 9, `pyright analyzed ${report.summary.filesAnalyzed} files`);

    const example = fs.readFileSync(path.join(PY, 'examples/every_method.py'), 'utf8');
    const { OPERATION_METHODS } = await import('../../sdk/typescript/src/operations.js');
    const snake = (s: string) => s.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
    const unused = Object.values(OPERATION_METHODS)
      .map((w) => w.split('.').map(snake).join('.'))
      .filter((w) => !example.includes(`layers.${w}(`));
    assert.deepEqual(unused, [], 'examples/every_method.py calls every method (add the new ones)');

    const dir = path.join(work, 'misuse');
    fs.mkdirSync(dir);
    fs.writeFileSync(path.join(dir, 'misuse.py'), MISUSE);
    fs.writeFileSync(
      path.join(dir, 'pyrightconfig.json'),
      JSON.stringify({ typeCheckingMode: 'strict', pythonVersion: '3.9', extraPaths: [PY] }),
    );
    const bad = await pyright(['-p', 'pyrightconfig.json'], dir);
    const lines = [
      ...new Set(bad.generalDiagnostics.filter((d) => d.severity === 'error').map((d) => d.range.start.line + 1)),
    ];
    assert.deepEqual(lines.sort(), [4, 5, 7, 8, 9], JSON.stringify(bad.generalDiagnostics.map((d) => d.message)));
  });

  it('the sdist and the wheel build offline, pip --no-index installs the wheel into a fresh venv (py.typed included), and it calls the server', async () => {
    const dist = path.join(work, 'dist');
    fs.mkdirSync(dist);
    const env = cleanEnv({ PIP_NO_INDEX: '1', PIP_DISABLE_PIP_VERSION_CHECK: '1', PYTHONDONTWRITEBYTECODE: '1' });
    const sdist = (
      await run(
        'python3',
        [
          '-c',
          `import sys; sys.path.insert(0, "_build"); import layers_build; print(layers_build.build_sdist(sys.argv[1]))`,
          dist,
        ],
        PY,
        env,
      )
    ).trim();
    assert.match(sdist, /^layers_sdk-\d+\.\d+\.\d+\.tar\.gz$/);
    await run(
      'python3',
      ['-m', 'pip', 'wheel', '--no-deps', '--no-index', '-w', dist, path.join(dist, sdist)],
      work,
      env,
    );
    const wheel = fs.readdirSync(dist).find((f) => f.endsWith('-py3-none-any.whl'));
    assert.ok(wheel, `no wheel in ${fs.readdirSync(dist)}`);

    const venv = path.join(work, 'venv');
    await run('python3', ['-m', 'venv', venv], work, env);
    const python = path.join(venv, 'bin/python');
    await run(python, ['-m', 'pip', 'install', '--no-index', path.join(dist, wheel)], work, env);
    const script = `
import json, os, layers
assert os.path.exists(os.path.join(os.path.dirname(layers.__file__), "py.typed")), "py.typed is installed"
client = layers.Layers()  # LAYERS_API_KEY, LAYERS_BASE_URL
result = client.social.revoke(social_account_id=os.environ["ACCOUNT_ID"])
info = layers.response_of(result)
print(json.dumps({"where": layers.__file__, "canceled": result["canceledScheduledPosts"], "requestId": info.request_id}))
`;
    const out = JSON.parse(
      await run(python, ['-c', script], work, {
        ...env,
        LAYERS_API_KEY: server.apiKey,
        LAYERS_BASE_URL: server.baseUrl,
        ACCOUNT_ID: server.socialAccountId,
      }),
    );
    assert.ok(out.where.startsWith(venv), `imported from the venv, not the checkout: ${out.where}`);
    assert.equal(out.canceled, 4);
    assert.match(out.requestId, /^req_[0-9A-Z]{26}$/);
  });
});
