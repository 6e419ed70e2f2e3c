#!/usr/bin/env node
// The `layers` command (and `npm start`). Runs the compiled dist/ when `npm run build` made one and
// it is up to date; otherwise the TypeScript sources through tsx (a development dependency), so
// the development loop needs no build. "Up to date": dist/BUILT is newer than every file in src/.
// A stale dist/ is never run: it says so on stderr and runs src/ instead. A production install has
// dist/ and no src/ (and no tsx).
import fs from 'node:fs';

const root = new URL('../', import.meta.url);
const built = fs.statSync(new URL('dist/BUILT', root), { throwIfNoEntry: false });
const hasSrc = fs.existsSync(new URL('src/cli/main.ts', root));

/** The first file under dir modified after ms, if any. */
function newerThan(dir, ms) {
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const file = new URL(entry.name + (entry.isDirectory() ? '/' : ''), dir);
    if (entry.isDirectory()) {
      const found = newerThan(file, ms);
      if (found) return found;
    } else if (fs.statSync(file).mtimeMs > ms) return file;
  }
  return undefined;
}

const stale = built && hasSrc ? newerThan(new URL('src/', root), built.mtimeMs) : undefined;
if (built && !stale) {
  await import('../dist/cli/main.js');
} else {
  if (stale) {
    const name = stale.pathname.slice(root.pathname.length);
    process.stderr.write(`layers: dist/ is older than ${name}; running src/ through tsx (npm run build to refresh)\n`);
  }
  let register;
  try {
    ({ register } = await import('tsx/esm/api'));
  } catch {
    process.stderr.write('layers: no dist/ (run `npm run build`) and no tsx (a development dependency) to run src/\n');
    process.exit(1);
  }
  register();
  await import('../src/cli/main.ts');
}
