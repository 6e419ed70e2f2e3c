import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';

// `layers …` as a user types it: bin/layers.mjs in a child process, with none of this process's
// LAYERS_* / DATABASE_URL / test-runner variables, so only the flags given reach it.

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

export type Run = { code: number | null; stdout: string; stderr: string };

export function layers(args: string[]): Promise<Run> {
  const env: NodeJS.ProcessEnv = { ...process.env, NODE_ENV: 'development' };
  for (const k of Object.keys(env))
    if (/^(LAYERS_|DATABASE_URL$|NODE_TEST_CONTEXT$|NODE_OPTIONS$)/.test(k)) delete env[k];
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['bin/layers.mjs', ...args],
      { cwd: ROOT, env, timeout: 120_000 },
      (err, stdout, stderr) => resolve({ code: err ? ((err as { code?: number }).code ?? null) : 0, stdout, stderr }),
    );
  });
}

/** A run's exit code and output, for assertion messages. */
export const label = (r: Run) => `exit ${r.code}\nstdout: ${r.stdout.slice(0, 500)}\nstderr: ${r.stderr.slice(0, 500)}`;
