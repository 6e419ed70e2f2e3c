import fs from 'node:fs';
import pg from 'pg';

/** CPU time (ms) spent during one measurement, by whom. */
export type CpuSpent = {
  /** The server process (on PGlite this includes the database: it runs inside it). */
  server: number;
  /** The PostgreSQL backends serving the server's connections (NaN on PGlite: no such processes). */
  backends: number;
  /** This process: the load generator. */
  client: number;
};

// USER_HZ: /proc reports CPU in clock ticks of 1/100 s on every Linux architecture Node runs on.
const TICK_MS = 10;

/** utime + stime of a process (ms), or undefined once it is gone. */
export function processCpuMs(pid: number): number | undefined {
  let stat: string;
  try {
    stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  // Fields after "pid (comm) ": state is field 3, utime 14, stime 15.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) * TICK_MS;
}

/**
 * The CPU of the PostgreSQL backends whose application_name is the server's (the bench sets it
 * in the server's DATABASE_URL), from /proc/<pid>/stat: the database must run on this machine.
 * Backends come and go (the pool closes idle connections), so a measurement polls them: each
 * backend counts from its first sighting (0 if it started during the measurement) to its last.
 */
export class BackendCpu {
  private constructor(
    private readonly client: pg.Client,
    private readonly applicationName: string,
  ) {}

  static async open(databaseUrl: string, applicationName: string) {
    const client = new pg.Client({ connectionString: databaseUrl, application_name: 'layers-bench-monitor' });
    await client.connect();
    return new BackendCpu(client, applicationName);
  }

  private async pids(): Promise<number[]> {
    const r = await this.client.query<{ pid: number }>('SELECT pid FROM pg_stat_activity WHERE application_name = $1', [
      this.applicationName,
    ]);
    return r.rows.map((row) => row.pid);
  }

  /** Starts polling; the returned function stops and gives the backends' CPU (ms) since the start. */
  async start(): Promise<() => Promise<number>> {
    const first = new Map<number, number>();
    const last = new Map<number, number>();
    const poll = async (initial: boolean) => {
      for (const pid of await this.pids()) {
        const ms = processCpuMs(pid);
        if (ms === undefined) continue;
        if (!first.has(pid)) first.set(pid, initial ? ms : 0);
        last.set(pid, ms);
      }
    };
    await poll(true);
    let polling = Promise.resolve();
    const timer = setInterval(() => {
      polling = polling.then(() => poll(false)).catch(() => {});
    }, 250);
    return async () => {
      clearInterval(timer);
      await polling;
      await poll(false);
      let sum = 0;
      for (const [pid, ms] of last) sum += ms - first.get(pid)!;
      return sum;
    };
  }

  close = () => this.client.end();
}

/** Starts measuring the three CPUs; the returned function stops and says what each spent. */
export async function startCpu(serverPid: number, backends?: BackendCpu): Promise<() => Promise<CpuSpent>> {
  const server0 = processCpuMs(serverPid)!;
  const client0 = process.cpuUsage();
  const stopBackends = await backends?.start();
  return async () => {
    const server = processCpuMs(serverPid)! - server0;
    const c = process.cpuUsage(client0);
    return { server, backends: stopBackends ? await stopBackends() : Number.NaN, client: (c.user + c.system) / 1000 };
  };
}
