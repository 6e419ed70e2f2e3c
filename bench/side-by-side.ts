// Two versions of the server loaded at the same time, for an A/B of server CPU per operation on
// a machine too busy for runs one after the other (docs/performance.md, "Running it"): the
// machine's load hits both alike.
//   git worktree add /tmp/base <commit> && ln -s "$PWD/node_modules" /tmp/base/node_modules
//   node --import tsx bench/side-by-side.ts /tmp/base [pglite|postgres] [seconds] [rounds]
// A is the other checkout, B this one; each gets 25 connections, revoke (4 posts) then list.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { processCpuMs } from './cpu.js';
import { httpClient, type LoadResult, runLoad } from './load.js';

const [other, db = 'postgres', seconds = '6', rounds = '3'] = process.argv.slice(2);
if (!other) throw new Error('usage: bench/side-by-side.ts OTHER_CHECKOUT [pglite|postgres] [seconds] [rounds]');
const databaseUrl = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const here = path.resolve(fileURLToPath(new URL('..', import.meta.url)));

async function side(checkout: string) {
  const { spawnHost } = await import(path.join(checkout, 'bench/host-process.ts'));
  const host = await spawnHost({ kind: db, databaseUrl, logLevel: 'info' });
  const client = httpClient(host.info.apiUrl, 25);
  const auth = (i: number) => ({ authorization: host.info.authorizations[i % host.info.authorizations.length] });
  const list = `/v1/projects/${host.info.listProjectId}/social-accounts`;
  return {
    host,
    client,
    revoke: (ms: number, ids: string[]) =>
      runLoad({
        concurrency: 25,
        durationMs: ms,
        maxOps: ids.length,
        op: (i) => client.send('DELETE', `/v1/social-accounts/${ids[i]}`, auth(i)),
      }),
    list: (ms: number) => runLoad({ concurrency: 25, durationMs: ms, op: (i) => client.send('GET', list, auth(i)) }),
  };
}

const sides = { A: await side(path.resolve(other)), B: await side(here) };
type Side = (typeof sides)['A'];
const totals = new Map<string, { cpu: number; ops: number }>();
async function both(name: string, run: (s: Side, k: 'A' | 'B') => Promise<LoadResult>) {
  const entries = Object.entries(sides) as ['A' | 'B', Side][];
  const before = entries.map(([, s]) => processCpuMs(s.host.info.pid)!);
  const results = await Promise.all(entries.map(([k, s]) => run(s, k)));
  entries.forEach(([k, s], i) => {
    const t = totals.get(`${name} ${k}`) ?? { cpu: 0, ops: 0 };
    totals.set(`${name} ${k}`, {
      cpu: t.cpu + processCpuMs(s.host.info.pid)! - before[i]!,
      ops: t.ops + results[i]!.ops,
    });
  });
}

const ms = Number(seconds) * 1000;
const warm = { A: await sides.A.host.createAccounts(2500, 4), B: await sides.B.host.createAccounts(2500, 4) };
await Promise.all([sides.A.revoke(6000, warm.A), sides.B.revoke(6000, warm.B)]);
await Promise.all([sides.A.list(5000), sides.B.list(5000)]);
for (let r = 0; r < Number(rounds); r++) {
  const ids = { A: await sides.A.host.createAccounts(ms / 2, 4), B: await sides.B.host.createAccounts(ms / 2, 4) };
  await Promise.all([sides.A.host.maintain(), sides.B.host.maintain()]);
  await both('revoke', (s, k) => s.revoke(ms, ids[k]));
  await both('list', (s) => s.list(ms));
}
for (const [name, t] of totals)
  console.log(`${db} ${name}: server CPU/op ${(t.cpu / t.ops).toFixed(3)} ms over ${t.ops} operations`);
for (const s of Object.values(sides)) {
  await s.client.close();
  await s.host.close();
}
