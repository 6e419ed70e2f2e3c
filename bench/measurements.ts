import type { Host } from './host.js';
import { type CpuMeter, type HttpClient, interleave, type LoadResult, runLoad, runOpenLoop } from './load.js';

/** One figure: a value and the baseline measured in the same run that it is divided by. */
export type Figure = {
  db: string;
  measurement: string;
  value: number;
  baseline: string;
  baselineValue: number;
  unit: string;
  ratio: number;
  /** Which way a ratio is better: higher for throughput, lower for latency and cost. */
  better: 'higher' | 'lower';
};

export type BenchConfig = {
  concurrency: number;
  /** Load per contender, split into `rounds` slices that take turns with the other contenders. */
  durationMs: number;
  rounds: number;
  /** Warm-up before each load measurement, per contender (V8 still optimizes for ~8 s). */
  warmupMs: number;
  /** Open-loop tail latency: measured length (after a warm-up of warmupMs at the same rate). */
  openLoopMs: number;
  /** The large revoke's post count (the goal compares it with 4 posts and with a bare UPDATE). */
  largePosts: number;
  scalingReps: number;
  scalingRepsLarge: number;
  /** Filtered lists: the small and the large project (accounts), and requests per filter and size. */
  filterSizes: [number, number];
  filterReps: number;
  /** Rows inserted and deleted to age the embedded database, and list requests per state. */
  agingRows: number;
  agingReps: number;
  /** How long `layers serve` idles before its memory is read. */
  idleMs: number;
};

export const FULL: BenchConfig = {
  concurrency: 50,
  durationMs: 6000,
  rounds: 3,
  warmupMs: 5000,
  openLoopMs: 10_000,
  largePosts: 10_000,
  scalingReps: 12,
  scalingRepsLarge: 4,
  filterSizes: [1000, 100_000],
  filterReps: 25,
  agingRows: 100_000,
  agingReps: 200,
  idleMs: 5000,
};

export const QUICK: BenchConfig = {
  concurrency: 50,
  durationMs: 200,
  rounds: 1,
  warmupMs: 100,
  openLoopMs: 300,
  largePosts: 1000,
  scalingReps: 2,
  scalingRepsLarge: 1,
  filterSizes: [100, 1000],
  filterReps: 2,
  agingRows: 1000,
  agingReps: 5,
  idleMs: 200,
};

/** What measurements leave for the report besides figures. */
export type Extras = {
  /** EXPLAIN of each filtered list at the large size. */
  plans: { db: string; filter: string; accounts: number; plan: string }[];
  /** The statements the bare baselines replay, as the server ran them. */
  statements: { db: string; revoke: string[]; list: string[] }[];
  /** The bare revoke's peak (tx/s at `concurrency`): the open loop offers half of it. */
  bareRevokePerSecond: Record<string, number>;
  /** The server's memory after the first warm-up (MiB): the leak check's reference. */
  memoryAfterWarmup: Record<string, { rssMb: number; heapMb: number }>;
};

export type Context = {
  host: Host;
  client: HttpClient;
  /** The same load client on the floor: the bare statements behind node:http (floor.ts). */
  floor: HttpClient;
  config: BenchConfig;
  progress: (msg: string) => void;
  cpu: CpuMeter;
  extras: Extras;
};

/** Headers for operation i: the keys take turns, so concurrent requests carry different keys. */
export function keyHeaders(host: Host): (i: number) => Record<string, string> {
  const all = host.info.authorizations.map((authorization) => ({ authorization }));
  return (i) => all[i % all.length]!;
}

export const throughput = (db: string, name: string, r: LoadResult, baseline: string, b: LoadResult): Figure => ({
  db,
  measurement: name,
  value: r.perSecond,
  baseline,
  baselineValue: b.perSecond,
  unit: '/s',
  ratio: r.perSecond / b.perSecond,
  better: 'higher',
});

export const cost = (
  db: string,
  name: string,
  value: number,
  baseline: string,
  baselineValue: number,
  unit = 'ms',
): Figure => ({
  db,
  measurement: name,
  value,
  baseline,
  baselineValue,
  unit,
  ratio: value / baselineValue,
  better: 'lower',
});

/**
 * The floor (floor.ts) against the bare baseline — what HTTP alone costs on these cores — and the
 * API against the floor: what the server adds to a request beyond HTTP.
 */
function floorFigures(
  db: string,
  label: string,
  floor: LoadResult,
  bareLabel: string,
  bare: LoadResult,
  api: LoadResult,
) {
  const floorLabel = `${label} floor (bare statements behind node:http)`;
  return [
    throughput(db, `${floorLabel}/s`, floor, bareLabel, bare),
    throughput(db, `${label} API/s`, api, `${floorLabel}/s`, floor),
    cost(db, `${floorLabel} server CPU/op`, floor.cpu!.server, `${label} API server CPU/op`, api.cpu!.server),
  ];
}

/** CPU per operation: server process, PostgreSQL backends (PostgreSQL only), load client. */
function cpuFigures(db: string, label: string, api: LoadResult, bareLabel: string, bare: LoadResult): Figure[] {
  const [a, b] = [api.cpu!, bare.cpu!];
  const out = [cost(db, `${label} server CPU/op`, a.server, `${bareLabel} server CPU/op`, b.server)];
  if (db === 'postgres')
    out.push(cost(db, `${label} PostgreSQL backends CPU/op`, a.backends, `${bareLabel} backends CPU/op`, b.backends));
  out.push(cost(db, `${label} load client CPU/op`, a.client, `${label} server CPU/op`, a.server));
  return out;
}

/**
 * Revoke of a fresh 4-post account at `concurrency` connections vs the server's own revoke
 * statements replayed bare (replay.ts) at the same concurrency. A warm-up each way (warmupMs)
 * also calibrates each side's rate, so every slice gets enough fresh accounts.
 */
export async function revokeUnderLoad(ctx: Context): Promise<Figure[]> {
  const { host, client, floor, config, progress } = ctx;
  const db = host.info.kind;
  const c = config.concurrency;
  const auth = keyHeaders(host);
  const sliceMs = config.durationMs / config.rounds;
  const loadOf =
    (path: (id: string) => string, target: HttpClient, headers: (i: number) => Record<string, string>) =>
    (ids: string[], durationMs: number) =>
      runLoad({
        concurrency: c,
        durationMs,
        maxOps: ids.length,
        op: (i) => target.send('DELETE', path(ids[i]!), headers(i)),
      });
  const http = loadOf((id) => `/v1/social-accounts/${id}`, client, auth);
  const floorHttp = loadOf(
    (id) => `/revoke/${id}`,
    floor,
    () => ({}),
  );
  const bare = (ids: string[], durationMs: number) => host.bareRevoke({ ids, concurrency: c, durationMs, warmupMs: 0 });
  // Enough accounts for a run of `ms` at rate r (a margin: a run never runs out).
  const enough = (perSecond: number, ms: number) => Math.ceil((perSecond * ms * 1.5) / 1000) + c;
  // Warm-up: warmupMs of load, in batches of fresh accounts sized by the rate so far; gives the rate.
  const warmUp = async (run: typeof http) => {
    let [loadMs, rate] = [0, 100];
    while (loadMs < config.warmupMs) {
      const r = await run(
        await host.createAccounts(enough(rate, config.warmupMs - loadMs), 4),
        config.warmupMs - loadMs,
      );
      [loadMs, rate] = [loadMs + r.seconds * 1000, r.perSecond];
    }
    return rate;
  };

  progress(`${db}: recording the server's statements for the bare baselines`);
  ctx.extras.statements.push({ db, ...(await host.record()) });
  progress(`${db}: revoke warm-up and calibration (${config.warmupMs} ms of load each way)`);
  const httpRate = await warmUp(http);
  const bareRate = await warmUp(bare);
  const floorRate = await warmUp(floorHttp);
  ctx.extras.memoryAfterWarmup[db] = await host.memory();
  const slices = async (rate: number, run: typeof http) => {
    const n = enough(rate, sliceMs);
    const ids = await host.createAccounts(n * config.rounds, 4);
    return (round: number) => run(ids.slice(round * n, (round + 1) * n), sliceMs);
  };
  const contenders = {
    api: await slices(httpRate, http),
    base: await slices(bareRate, bare),
    floor: await slices(floorRate, floorHttp),
  };
  progress(`${db}: revoke over HTTP vs bare transaction vs floor, ${c} each, ${config.rounds} × ${sliceMs} ms each`);
  const { api, base, floor: under } = await interleave(config.rounds, contenders, ctx.cpu);
  ctx.extras.bareRevokePerSecond[db] = base.perSecond;
  const label = `revoke (4 posts) @${c}`;
  return [
    throughput(db, `${label} req/s`, api, 'bare revoke tx/s', base),
    cost(db, `${label} p50`, api.p50Ms, 'bare revoke p50', base.p50Ms),
    cost(db, `${label} p99`, api.p99Ms, 'bare revoke p99', base.p99Ms),
    ...cpuFigures(db, 'revoke', api, 'bare revoke', base),
    ...floorFigures(db, 'revoke', under, 'bare revoke tx/s', base, api),
  ];
}

/** List (a page of 10) at `concurrency` connections vs its key lookup and page query replayed bare. */
export async function listUnderLoad(ctx: Context): Promise<Figure[]> {
  const { host, client, floor, config, progress } = ctx;
  const db = host.info.kind;
  const c = config.concurrency;
  const auth = keyHeaders(host);
  const path = `/v1/projects/${host.info.listProjectId}/social-accounts`;
  const contenders = (durationMs: number) => ({
    api: () => runLoad({ concurrency: c, durationMs, op: (i) => client.send('GET', path, auth(i)) }),
    base: () => host.bareList({ concurrency: c, durationMs, warmupMs: 0 }),
    floor: () => runLoad({ concurrency: c, durationMs, op: () => floor.send('GET', '/list', {}) }),
  });
  progress(`${db}: list warm-up (${config.warmupMs} ms each way), then list vs bare vs floor, ${config.rounds} rounds`);
  for (const warmUp of Object.values(contenders(config.warmupMs))) await warmUp();
  const {
    api,
    base,
    floor: under,
  } = await interleave(config.rounds, contenders(config.durationMs / config.rounds), ctx.cpu);
  const label = `list @${c}`;
  const bareLabel = 'bare key lookup + page';
  return [
    throughput(db, `${label} req/s`, api, `${bareLabel}/s`, base),
    cost(db, `${label} p99`, api.p99Ms, `${bareLabel} p99`, base.p99Ms),
    ...cpuFigures(db, 'list', api, bareLabel, base),
    ...floorFigures(db, 'list', under, `${bareLabel}/s`, base, api),
  ];
}

/**
 * Revoke tail latency at a fixed arrival rate of half the bare transaction's peak (measured by
 * revokeUnderLoad in this run), open loop (load.ts: latency from each request's due time), after
 * a warm-up of warmupMs at the same rate; then the floor (the same statements behind node:http)
 * at the same rate, the same way: how much of the tail any HTTP server on these cores would have.
 */
export async function revokeOpenLoop(ctx: Context): Promise<Figure[]> {
  const { host, client, floor, config, progress } = ctx;
  const db = host.info.kind;
  const rate = ctx.extras.bareRevokePerSecond[db]! / 2;
  const auth = keyHeaders(host);
  const send = {
    api: (id: string, i: number) => client.send('DELETE', `/v1/social-accounts/${id}`, auth(i)),
    floor: (id: string) => floor.send('DELETE', `/revoke/${id}`, {}),
  };
  const run = async (target: keyof typeof send, durationMs: number) => {
    const ids = await host.createAccounts(Math.ceil((rate * durationMs) / 1000) + 1, 4);
    return runOpenLoop({ perSecond: rate, durationMs, op: (i) => send[target](ids[i]!, i) });
  };
  const measure = async (target: keyof typeof send) => {
    progress(`${db}: open-loop revoke (${target}) at ${rate.toFixed(0)}/s: warm-up, then ${config.openLoopMs} ms`);
    await run(target, config.warmupMs);
    return run(target, config.openLoopMs);
  };
  const r = await measure('api');
  const f = await measure('floor');
  const label = `revoke open loop @${rate.toFixed(0)}/s (½ bare peak)`;
  return [
    cost(db, `${label} p99`, r.p99Ms, 'open loop p50', r.p50Ms),
    {
      ...throughput(db, `${label} completed/s`, r, 'offered/s', { ...r, perSecond: rate }),
      better: 'higher',
    },
    cost(
      db,
      `floor open loop @${rate.toFixed(0)}/s p99 (bare statements behind node:http)`,
      f.p99Ms,
      `${label} p99`,
      r.p99Ms,
    ),
  ];
}
