import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

// The real `layers serve --demo` process on a free port and a fresh PGlite data directory, for
// the SDK tests: they talk to it over HTTP exactly as a partner's code would.

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));

export type Demo = {
  baseUrl: string;
  apiKey: string;
  organizationId: string;
  projectId: string;
  socialAccountId: string;
  leasedSocialAccountId: string;
};

export type DemoServer = Demo & {
  dataDir: string;
  /** Everything the process printed, for assertion messages. */
  output(): string;
  /** The operator API (/admin/v1), with the token the server left in its data directory. */
  admin(method: string, route: string, body?: unknown): Promise<any>;
  /** `layers <args>` from the checkout against this server; the JSON object it printed. */
  cli(args: string[]): Promise<any>;
  /** A connected account of the demo project with `posts` queued posts. */
  accountWithPosts(posts: number): Promise<string>;
  stop(): Promise<void>;
};

/** The environment of a fresh shell plus `extra`: nothing of the test runner's leaks in. */
export function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env = { ...process.env };
  for (const k of Object.keys(env)) {
    if (/^(LAYERS_|DATABASE_URL$|REDIS_URL$|PORT$|HOST$|NODE_TEST_CONTEXT$|NODE_OPTIONS$|TEST_)/.test(k)) delete env[k];
  }
  // Webhook endpoints the SDK tests register point at a loopback port nobody listens on (127.0.0.1:9,
  // the discard port): allowed only by the development opt-in, and no delivery leaves the machine.
  return { ...env, LOG_LEVEL: 'warn', NODE_ENV: 'test', LAYERS_WEBHOOK_ALLOW_LOOPBACK: '1', ...extra };
}

export async function startDemoServer(env: Record<string, string> = {}): Promise<DemoServer> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'layers-sdk-'));
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', 'src/cli/main.ts', 'serve', '--demo', '--port', '0', '--data-dir', dataDir],
    {
      cwd: ROOT,
      env: cleanEnv(env),
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let output = '';
  child.stdout!.on('data', (d) => (output += d));
  child.stderr!.on('data', (d) => (output += d));
  const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
  const demoFile = path.join(dataDir, 'demo.json');
  let demo: Demo | undefined;
  for (let i = 0; !demo; i++) {
    if (child.exitCode !== null)
      assert.fail(`server exited ${child.exitCode} before writing demo.json: ${output.slice(0, 2000)}`);
    if (i > 1200) assert.fail(`no demo.json after 120 s: ${output.slice(0, 2000)}`);
    await new Promise((r) => setTimeout(r, 100));
    demo = readJsonIfComplete(demoFile); // the file appears before its content: wait until it parses
  }
  const adminToken = fs.readFileSync(path.join(dataDir, 'admin-token'), 'utf8').trim();

  const admin = async (method: string, route: string, body?: unknown) => {
    const res = await fetch(`${demo.baseUrl}/admin/v1${route}`, {
      method,
      headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    assert.ok(res.ok, `admin ${method} ${route} → ${res.status} ${text.slice(0, 500)}`);
    return JSON.parse(text);
  };

  return {
    ...demo,
    dataDir,
    output: () => output,
    admin,
    cli: (args) =>
      new Promise((resolve, reject) => {
        execFile(
          process.execPath,
          ['--import', 'tsx', 'src/cli/main.ts', ...args, '--data-dir', dataDir],
          { cwd: ROOT, env: cleanEnv(), timeout: 60_000 },
          (err, stdout, stderr) =>
            err ? reject(new Error(`layers ${args.join(' ')}: ${err.message} ${stderr}`)) : resolve(JSON.parse(stdout)),
        );
      }),
    async accountWithPosts(posts: number) {
      const handle = `sdk_${Math.random().toString(36).slice(2, 10)}`;
      const { socialAccountId } = await admin('POST', '/social-accounts', {
        projectId: demo.projectId,
        platform: 'tiktok',
        handle,
        leased: false,
      });
      if (posts > 0) await admin('POST', '/fixtures/queued-posts', { socialAccountId, count: posts });
      return socialAccountId;
    },
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
        await exited;
        clearTimeout(timer);
      }
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

function readJsonIfComplete(file: string): any {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch {
    return undefined; // absent, or still being written
  }
}

/** The code block of one tab of the seed page, dedented (undefined when shared/ is not beside the checkout). */
export function seedSnippet(lang: 'ts' | 'python'): string | undefined {
  const file = path.join(ROOT, '../shared/seed/revoke-social-account.mdx');
  if (!fs.existsSync(file)) return undefined;
  const m = new RegExp(`\`\`\`${lang}\\n([\\s\\S]*?)\\n\\s*\`\`\``).exec(fs.readFileSync(file, 'utf8'));
  if (!m) return undefined;
  const lines = m[1]!.split('\n');
  const indent = Math.min(...lines.filter((l) => l.trim()).map((l) => l.length - l.trimStart().length));
  return lines.map((l) => l.slice(indent)).join('\n');
}
