// Sequential measurements: one request at a time, latency medians, rounds interleaving the cases.
import type { Host, ListFilter } from './host.js';
import { type HttpClient, median, timeSequential } from './load.js';
import { type Context, cost, type Figure, keyHeaders } from './measurements.js';

const n = (x: number) => x.toLocaleString('en-US');

/**
 * A revoke of 4 queued posts vs one of `largePosts`, and the large one vs the bare UPDATE of the
 * same number of queued posts (the revoke's own cancel statement, alone, autocommit): sequential
 * medians on fresh accounts, rounds interleaving the three so drift hits them alike. The request
 * only: what the server hands to its worker after commit (the per-post records) is not waited
 * for; where the worker has that job, the time it takes to drain it is a figure of its own.
 */
export async function revokeScaling({ host, client, config, progress }: Context): Promise<Figure[]> {
  const db = host.info.kind;
  const auth = keyHeaders(host)(0);
  const large = config.largePosts;
  const revoke = async (posts: number) => {
    const [id] = await host.createAccounts(1, posts);
    const [ms] = await timeSequential(1, () => client.send('DELETE', `/v1/social-accounts/${id}`, auth));
    return ms!;
  };
  const bareUpdate = async () => host.bareCancel((await host.createAccounts(1, large))[0]!);
  const [small, big, bare, fanOut] = [[], [], [], []] as number[][];
  const drains = (await host.drainFanOut()) !== undefined; // and the backlog of the load runs is gone
  progress(`${db}: revoke of 4 vs ${n(large)} posts vs a bare UPDATE of ${n(large)}, ${config.scalingReps} rounds`);
  await revoke(4); // the large path's first run compiles code the 4-post path never reaches
  await revoke(large);
  await bareUpdate();
  for (let round = 0; round < config.scalingReps; round++) {
    small.push(await revoke(4));
    if (round >= config.scalingRepsLarge) continue;
    big.push(await revoke(large));
    if (drains) fanOut.push((await host.drainFanOut())!);
    bare.push(await bareUpdate());
  }
  const name = `revoke ${n(large)} posts, sequential`;
  return [
    cost(db, name, median(big), 'revoke 4 posts, sequential', median(small)),
    cost(db, name, median(big), `bare UPDATE of ${n(large)} queued posts`, median(bare)),
    // No goal: the worker's fan-out of the large revoke's per-post records, after the response.
    ...(drains ? [cost(db, `its fan-out, drained by the worker after commit`, median(fanOut), name, median(big))] : []),
  ];
}

export const FILTERS: { name: string; filter: ListFilter; query: string }[] = [
  { name: 'status=disconnected', filter: { status: 'disconnected' }, query: 'status=disconnected' },
  { name: 'platform=instagram', filter: { platform: 'instagram' }, query: 'platform=instagram' },
  { name: 'leased=true', filter: { leased: true }, query: 'leased=true' },
  { name: 'status=reauth_required (no match)', filter: { status: 'reauth_required' }, query: 'status=reauth_required' },
];

/**
 * Each filter's first page on a project of the large size vs the same on the small size
 * (fixtures.ts bulkProject: 10 % instagram, 1 % disconnected, 1 % leased, no reauth_required),
 * after a warm-up of warmupMs cycling through them all; the EXPLAIN of each at the large size
 * goes into the report.
 */
export async function filteredLists(ctx: Context): Promise<Figure[]> {
  const { host, client, config, progress } = ctx;
  const db = host.info.kind;
  const auth = keyHeaders(host)(0);
  const [smallN, largeN] = config.filterSizes;
  progress(`${db}: filtered-list fixtures (${n(smallN)} and ${n(largeN)} accounts)`);
  const [smallP, largeP] = await host.createBulkProjects([smallN, largeN]);
  progress(`${db}: maintenance after the fixtures: ${await host.maintain()}`);
  const get = (project: string, query: string) =>
    client.send('GET', `/v1/projects/${project}/social-accounts?${query}`, auth);
  const cases = FILTERS.flatMap((f) => [smallP!, largeP!].map((p) => () => get(p, f.query)));
  progress(`${db}: filtered lists, warm-up ${config.warmupMs} ms, then ${config.filterReps} rounds`);
  const until = performance.now() + config.warmupMs;
  for (let i = 0; performance.now() < until; i++) await cases[i % cases.length]!();
  const samples = FILTERS.map(() => ({ small: [] as number[], large: [] as number[] }));
  for (let round = 0; round < config.filterReps; round++) {
    for (const [i, f] of FILTERS.entries()) {
      samples[i]!.small.push((await timeSequential(1, () => get(smallP!, f.query)))[0]!);
      samples[i]!.large.push((await timeSequential(1, () => get(largeP!, f.query)))[0]!);
    }
  }
  for (const f of FILTERS)
    ctx.extras.plans.push({ db, filter: f.name, accounts: largeN, plan: await host.explainList(largeP!, f.filter) });
  return FILTERS.map((f, i) =>
    cost(
      db,
      `list ?${f.name} @${n(largeN)} accounts`,
      median(samples[i]!.large),
      `same @${n(smallN)} accounts`,
      median(samples[i]!.small),
    ),
  );
}

/**
 * The embedded database aging (goal: list latency after `agingRows` rows inserted and deleted
 * within 1.5× of a fresh database): on a fresh server of its own, the list page's sequential
 * latency fresh, then after aging (inserted behind the page and deleted), then after the
 * maintenance the server runs (host.maintain).
 */
export async function aging(
  host: Host,
  client: HttpClient,
  ctx: Pick<Context, 'config' | 'progress'>,
): Promise<Figure[]> {
  const { config, progress } = ctx;
  const db = host.info.kind;
  const auth = keyHeaders(host)(0);
  const path = `/v1/projects/${host.info.listProjectId}/social-accounts`;
  const list = async () => median(await timeSequential(config.agingReps, () => client.send('GET', path, auth)));
  progress(`${db}: aging — list warm-up ${config.warmupMs} ms on a fresh database`);
  const until = performance.now() + config.warmupMs;
  while (performance.now() < until) await client.send('GET', path, auth);
  const fresh = await list();
  progress(`${db}: aging — ${n(config.agingRows)} rows inserted and deleted`);
  await host.age(config.agingRows);
  const aged = await list();
  const what = await host.maintain();
  progress(`${db}: aging — after maintenance (${what})`);
  const maintained = await list();
  const label = `list after ${n(config.agingRows)} rows inserted and deleted`;
  return [
    cost(db, `${label}, before maintenance`, aged, 'list, fresh database', fresh),
    cost(db, `${label}, after maintenance`, maintained, 'list, fresh database', fresh),
  ];
}
