import { randomUUID } from 'node:crypto';
import type { Host } from './host.js';
import { type HttpClient, httpClient, interleave, type LoadResult, median, runLoad, timeSequential } from './load.js';

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
  warmupMs: number;
  /** Accounts for the revoke calibration (warmupMs long; it is also the warm-up); the run stops early if they run out. */
  calibrationRevokes: number;
  postCounts: number[];
  scalingReps: number;
  /** Repetitions for the largest post count (each needs a fresh account with that many posts). */
  scalingRepsLargest: number;
  guardReps: number;
  idempotencyPairs: number;
};

export const FULL: BenchConfig = {
  concurrency: 50,
  durationMs: 6000,
  rounds: 3,
  warmupMs: 1000,
  calibrationRevokes: 400,
  postCounts: [0, 4, 100, 10_000],
  scalingReps: 15,
  scalingRepsLargest: 5,
  guardReps: 400,
  idempotencyPairs: 60,
};

export const QUICK: BenchConfig = {
  concurrency: 50,
  durationMs: 250,
  rounds: 1,
  warmupMs: 100,
  calibrationRevokes: 50,
  postCounts: [0, 4, 100, 1_000],
  scalingReps: 2,
  scalingRepsLargest: 1,
  guardReps: 20,
  idempotencyPairs: 3,
};

export type Context = { host: Host; client: HttpClient; config: BenchConfig; progress: (msg: string) => void };

/** Headers for operation i: the keys take turns, so concurrent requests carry different keys. */
function keyHeaders(host: Host): (i: number) => Record<string, string> {
  const all = host.info.authorizations.map((authorization) => ({ authorization }));
  return (i) => all[i % all.length]!;
}

const throughput = (db: string, measurement: string, r: LoadResult, baseline: string, b: LoadResult): Figure => ({
  db,
  measurement,
  value: r.perSecond,
  baseline,
  baselineValue: b.perSecond,
  unit: '/s',
  ratio: r.perSecond / b.perSecond,
  better: 'higher',
});
const latency = (db: string, measurement: string, value: number, baseline: string, baselineValue: number): Figure => ({
  db,
  measurement,
  value,
  baseline,
  baselineValue,
  unit: 'ms',
  ratio: value / baselineValue,
  better: 'lower',
});

const cpu = (db: string, measurement: string, r: LoadResult, baseline: string, b: LoadResult): Figure =>
  latency(db, measurement, r.serverCpuMs!, baseline, b.serverCpuMs!);

/**
 * Revoke of a fresh 4-post account at `concurrency` connections vs the same transaction run
 * bare through the driver at the same concurrency. Fixture counts are calibrated: a first short
 * run each way (also the warm-up) gives each side's rate, then enough accounts for every slice are made.
 */
export async function revokeUnderLoad({ host, client, config, progress }: Context): Promise<Figure[]> {
  const db = host.info.kind;
  const c = config.concurrency;
  const auth = keyHeaders(host);
  const sliceMs = config.durationMs / config.rounds;
  const http = (ids: string[], durationMs: number) =>
    runLoad({
      concurrency: c,
      durationMs,
      maxOps: ids.length,
      op: (i) => client.send('DELETE', `/v1/social-accounts/${ids[i]}`, auth(i)),
    });
  const bare = (ids: string[], durationMs: number) => host.bareRevoke({ ids, concurrency: c, durationMs, warmupMs: 0 });
  // Per slice: the calibrated rate for the slice's length, with a margin (a slice never runs out).
  const perSlice = (r: LoadResult) => Math.ceil((r.perSecond * sliceMs * 1.5) / 1000) + c;

  progress(`${db}: revoke calibration and warm-up (${config.warmupMs} ms each way)`);
  const httpRate = await http(await host.createAccounts(config.calibrationRevokes, 4), config.warmupMs);
  const bareRate = await bare(await host.createAccounts(config.calibrationRevokes, 4), config.warmupMs);
  const [httpN, bareN] = [perSlice(httpRate), perSlice(bareRate)];
  const httpIds = await host.createAccounts(httpN * config.rounds, 4);
  const bareIds = await host.createAccounts(bareN * config.rounds, 4);
  progress(`${db}: revoke over HTTP vs bare transaction, ${c} each, ${config.rounds} × ${sliceMs} ms each`);
  const { api, base } = await interleave(
    config.rounds,
    {
      api: (round) => http(httpIds.slice(round * httpN, (round + 1) * httpN), sliceMs),
      base: (round) => bare(bareIds.slice(round * bareN, (round + 1) * bareN), sliceMs),
    },
    host.cpuTimeMs,
  );
  const label = `revoke (4 posts) @${c}`;
  return [
    throughput(db, `${label} req/s`, api, 'bare revoke tx/s', base),
    latency(db, `${label} p50`, api.p50Ms, 'bare revoke p50', base.p50Ms),
    latency(db, `${label} p99`, api.p99Ms, 'bare revoke p99', base.p99Ms),
    cpu(db, `${label} server CPU/req`, api, 'bare revoke CPU/tx', base),
  ];
}

/** List and whoami at `concurrency` connections vs a bare primary-key read and a fastify hello-world. */
export async function readsUnderLoad({ host, client, config, progress }: Context): Promise<Figure[]> {
  const db = host.info.kind;
  const c = config.concurrency;
  const auth = keyHeaders(host);
  const listPath = `/v1/projects/${host.info.listProjectId}/social-accounts`;
  const helloClient = httpClient(host.info.helloUrl, c);
  const contenders = (durationMs: number) => {
    const run = { concurrency: c, durationMs };
    return {
      read: () => host.barePointRead({ ...run, warmupMs: 0 }),
      world: () => runLoad({ ...run, op: () => helloClient.send('GET', '/', {}) }),
      list: () => runLoad({ ...run, op: (i) => client.send('GET', listPath, auth(i)) }),
      who: () => runLoad({ ...run, op: (i) => client.send('GET', '/v1/whoami', auth(i)) }),
    };
  };
  progress(`${db}: bare point read, hello-world, list, whoami — ${c} each, ${config.rounds} interleaved rounds`);
  const measured = async () => {
    for (const warmUp of Object.values(contenders(config.warmupMs))) await warmUp(); // JIT, connections
    return interleave(config.rounds, contenders(config.durationMs / config.rounds), host.cpuTimeMs);
  };
  const { read, world, list, who } = await measured().finally(() => helloClient.close());
  return [
    throughput(db, `list @${c} req/s`, list, 'bare point read/s', read),
    throughput(db, `list @${c} req/s`, list, 'hello-world req/s', world),
    latency(db, `list @${c} p99`, list.p99Ms, 'bare point read p99', read.p99Ms),
    throughput(db, `whoami @${c} req/s`, who, 'bare point read/s', read),
    throughput(db, `whoami @${c} req/s`, who, 'hello-world req/s', world),
    latency(db, `whoami @${c} p99`, who.p99Ms, 'bare point read p99', read.p99Ms),
    cpu(db, `list @${c} server CPU/req`, list, 'bare point read CPU/op', read),
    cpu(db, `whoami @${c} server CPU/req`, who, 'bare point read CPU/op', read),
    cpu(db, `whoami @${c} server CPU/req`, who, 'hello-world CPU/req', world),
  ];
}

/**
 * Sequential revoke latency (median) by number of queued posts, as a ratio to the 0-post
 * revoke; rounds interleave the sizes so drift on a busy machine hits all of them alike.
 */
export async function revokeScaling({ host, client, config, progress }: Context): Promise<Figure[]> {
  const db = host.info.kind;
  const auth = keyHeaders(host)(0);
  const largest = Math.max(...config.postCounts);
  const samples = new Map<number, number[]>(config.postCounts.map((n) => [n, []]));
  for (let round = 0; round < config.scalingReps; round++) {
    progress(`${db}: revoke latency by queued posts, round ${round + 1}/${config.scalingReps}`);
    for (const posts of config.postCounts) {
      if (posts === largest && round >= config.scalingRepsLargest) continue;
      const [id] = await host.createAccounts(1, posts);
      const [ms] = await timeSequential(1, () => client.send('DELETE', `/v1/social-accounts/${id}`, auth));
      samples.get(posts)!.push(ms!);
    }
  }
  const med = (n: number) => median(samples.get(n)!);
  return config.postCounts.map((n) =>
    latency(db, `revoke ${n.toLocaleString('en-US')} posts, sequential`, med(n), 'revoke 0 posts', med(0)),
  );
}

/**
 * Each guard's share of a request. Authentication and the rate limit are timed by calling
 * their functions directly (sequential medians, in the server's process) against a whole
 * sequential whoami; idempotency as the extra latency of a revoke sent with an Idempotency-Key
 * over one without (alternating requests on fresh accounts), against the keyed revoke.
 */
export async function guardCosts({ host, client, config, progress }: Context): Promise<Figure[]> {
  const db = host.info.kind;
  const auth = keyHeaders(host)(0);
  progress(`${db}: guard costs (${config.guardReps} sequential requests and guard calls)`);
  await timeSequential(Math.ceil(config.guardReps / 4), () => client.send('GET', '/v1/whoami', auth)); // warm-up
  const whoami = median(await timeSequential(config.guardReps, () => client.send('GET', '/v1/whoami', auth)));
  const { authMs, rateLimitMs } = await host.timeGuards(config.guardReps);
  const ids = await host.createAccounts(config.idempotencyPairs * 2, 4);
  const keyed: number[] = [];
  const plain: number[] = [];
  for (let i = 0; i < ids.length; i++) {
    const headers = i % 2 === 0 ? { ...auth, 'idempotency-key': randomUUID() } : auth;
    const [ms] = await timeSequential(1, () => client.send('DELETE', `/v1/social-accounts/${ids[i]}`, headers));
    (i % 2 === 0 ? keyed : plain).push(ms!);
  }
  const [withKey, withoutKey] = [median(keyed), median(plain)];
  const store = host.info.rateLimitStore;
  return [
    latency(db, 'guard: authenticate', authMs, 'whoami, sequential', whoami),
    latency(db, `guard: rate limit (${store} store)`, rateLimitMs, 'whoami, sequential', whoami),
    latency(db, 'guard: idempotency (revoke)', withKey - withoutKey, 'revoke with Idempotency-Key', withKey),
  ];
}
