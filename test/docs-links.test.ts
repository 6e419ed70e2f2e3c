import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

// README.md and docs/*.md point only at files that exist: every relative Markdown link, and every
// repository path written as code (`src/…`, `docs/…`, …). Cheap, and it keeps the guides true.

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const FILES = ['README.md', ...fs.readdirSync(path.join(ROOT, 'docs')).map((f) => `docs/${f}`)].filter((f) =>
  f.endsWith('.md'),
);
const LINK = /\]\(([^)\s]+)\)/g;
const CODE_PATH = /`((?:src|docs|test|scripts|sdk|openapi|bench|bin|spec)\/[\w./-]*)`/g;
/** Outputs the docs name (git-ignored folders such as bench/results/) are written by a run, not committed. */
const GENERATED = fs
  .readFileSync(path.join(ROOT, '.gitignore'), 'utf8')
  .split('\n')
  .filter((l) => l.startsWith('/') && l.endsWith('/'))
  .map((l) => l.slice(1));
/** A pattern, not a file: `src/db/migrations/NNNN_name.sql`. */
const PLACEHOLDER = /[A-Z]{4}/;

function missing(file: string): string[] {
  const text = fs.readFileSync(path.join(ROOT, file), 'utf8');
  const dir = path.dirname(path.join(ROOT, file));
  const out: string[] = [];
  for (const [, target] of text.matchAll(LINK)) {
    if (/^(https?:|mailto:|#)/.test(target!)) continue;
    const file = decodeURIComponent(target!.split('#')[0]!);
    if (!fs.existsSync(path.resolve(dir, file))) out.push(`link ${target}`);
  }
  for (const [, target] of text.matchAll(CODE_PATH)) {
    // A repository path, from the root or (in docs/) from the file's own folder.
    if (PLACEHOLDER.test(target!) || GENERATED.some((g) => target!.startsWith(g))) continue;
    if (!fs.existsSync(path.join(ROOT, target!)) && !fs.existsSync(path.resolve(dir, target!)))
      out.push(`path ${target}`);
  }
  return out;
}

describe('README.md and docs/*.md', () => {
  for (const file of FILES) {
    it(`${file}: every relative link and repository path exists`, () => {
      assert.deepEqual(missing(file), []);
    });
  }
});
