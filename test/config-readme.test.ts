import assert from 'node:assert/strict';
import fs from 'node:fs';
import { it } from 'node:test';
import { ENV_VARIABLES } from '../src/config.js';

// Every variable the code reads is documented, and the README documents no variable the code
// does not read: the configuration table's first column against src/config.ts, both ways.

function readmeVariables(): string[] {
  const readme = fs.readFileSync(new URL('../README.md', import.meta.url), 'utf8');
  const section = readme.slice(readme.indexOf('\n## Configuration\n'));
  const table = section.slice(section.indexOf('\n| variable |'));
  const rows = table.split('\n').slice(3); // the newline, the header, the separator
  const names: string[] = [];
  for (const row of rows) {
    if (!row.startsWith('|')) break;
    const m = /^\| `([A-Z0-9_]+)` \|/.exec(row);
    assert.ok(m, `a row without a variable name in its first column: ${row}`);
    names.push(m[1]!);
  }
  return names;
}

it('the README configuration table lists exactly the variables src/config.ts reads', () => {
  const documented = readmeVariables();
  assert.ok(documented.length >= 20, `found ${documented.length} rows`);
  assert.deepEqual(
    documented.filter((v, i) => documented.indexOf(v) !== i),
    [],
    'listed twice',
  );
  assert.deepEqual(
    ENV_VARIABLES.filter((v) => !documented.includes(v)),
    [],
    'read by the code, missing from the README table',
  );
  assert.deepEqual(
    documented.filter((v) => !ENV_VARIABLES.includes(v)),
    [],
    'in the README table, read by no code',
  );
});
