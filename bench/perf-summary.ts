// On-CPU profile of the bench's server, summarized by who owns the code (docs/performance.md,
// "Reading a profile"). Reads `perf script` output on stdin (a server run with --perf-basic-prof,
// sampled with `perf record -e cpu-clock -g -p PID`), prints the share of samples by the nearest
// JavaScript frame's owner (a package, a src/ file, a node: module) and the inclusive share.
//   perf script -i revoke.data | node --import tsx bench/perf-summary.ts [REGEX ...]
import fs from 'node:fs';

const stacks: string[][] = [];
let stack: string[] | undefined;
for (const line of fs.readFileSync(0, 'utf8').split('\n')) {
  if (line.trim() === '') {
    if (stack) stacks.push(stack);
    stack = undefined;
  } else if (!/^\s/.test(line)) stack = [];
  else stack?.push(line.trim().replace(/^\S+\s+/, ''));
}
if (stack) stacks.push(stack);

/** A JIT frame's owner (V8's perf map names them `JS:*name file:line`), or undefined for native and kernel frames. */
function owner(frame: string): string | undefined {
  const url = /^JS:\S*\s\S*?(\S+):\d+:\d+/.exec(frame)?.[1] ?? /^JS:\S*\s(\S+)/.exec(frame)?.[1];
  if (!url) return undefined;
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (pkg) return pkg[1];
  const own = /\/((?:src|bench)\/[^:]+)/.exec(url);
  if (own) return own[1];
  return url.startsWith('node:') ? url.replace(/:\d+.*$/, '') : undefined;
}

const n = stacks.length;
const pct = (c: number) => `${((100 * c) / n).toFixed(1).padStart(5)} %`;
const count = (m: Map<string, number>, k: string) => m.set(k, (m.get(k) ?? 0) + 1);
const nearest = new Map<string, number>();
const inclusive = new Map<string, number>();
let kernel = 0;
for (const s of stacks) {
  if (s[0]?.includes('[kernel')) kernel++;
  count(nearest, s.map(owner).find((o) => o !== undefined) ?? '(no JavaScript frame: GC threads, libuv, kernel)');
  for (const o of new Set(s.map(owner).filter((o) => o !== undefined))) count(inclusive, o);
}
const top = (m: Map<string, number>) =>
  [...m]
    .sort((a, b) => b[1] - a[1])
    .slice(0, 30)
    .map(([k, c]) => `${pct(c)}  ${k}`);
console.log(`${n} samples; ${pct(kernel)} with the kernel on top`);
console.log('\nby nearest JavaScript frame (its own time and the native code it called):');
console.log(top(nearest).join('\n'));
console.log('\ninclusive (any frame of the stack):');
console.log(top(inclusive).join('\n'));
for (const pattern of process.argv.slice(2)) {
  const re = new RegExp(pattern);
  console.log(`${pct(stacks.filter((s) => s.some((f) => re.test(f))).length)}  any frame matching /${pattern}/`);
}
