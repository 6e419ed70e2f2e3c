import { fork } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import type { Host, HostOptions } from './host.js';

type Method = Exclude<keyof Host, 'info'>;
type Call = { id: number; method: Method | 'start'; args: unknown[] };
type Answer = { id: number; result?: unknown; error?: { message: string; stack?: string } };

const CHILD_ENTRY = fileURLToPath(new URL('./host-child.ts', import.meta.url));
const METHODS: Method[] = [
  'createAccounts',
  'createBulkProjects',
  'record',
  'bareRevoke',
  'bareList',
  'bareCancel',
  'explainList',
  'age',
  'maintain',
  'drainFanOut',
  'memory',
  'close',
];

/**
 * The host in a child process, so the load generator (this process) and the server do not share
 * one event loop: the server's figures are then its own. The child's stdout (request logs) goes
 * to /dev/null; `execArgv` adds flags such as --cpu-prof to the child only; --expose-gc lets it
 * collect garbage before reporting its memory.
 */
export async function spawnHost(opts: HostOptions, execArgv: string[] = []): Promise<Host> {
  const child = fork(CHILD_ENTRY, [], {
    execArgv: [...process.execArgv, '--expose-gc', ...execArgv],
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
    serialization: 'advanced',
  });
  const pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  let nextId = 0;
  child.on('message', (m: Answer) => {
    const p = pending.get(m.id);
    pending.delete(m.id);
    if (m.error) p?.reject(Object.assign(new Error(m.error.message), { stack: m.error.stack }));
    else p?.resolve(m.result);
  });
  const exited = once(child, 'exit');
  child.on('exit', (code, signal) => {
    for (const p of pending.values()) p.reject(new Error(`bench host exited (code ${code}, signal ${signal})`));
    pending.clear();
  });
  const call = (method: Call['method'], args: unknown[]) =>
    new Promise<any>((resolve, reject) => {
      const id = nextId++;
      pending.set(id, { resolve, reject });
      child.send({ id, method, args } satisfies Call);
    });

  const info = await call('start', [opts]).catch((err) => {
    child.kill();
    throw err;
  });
  const host = { info } as Host;
  for (const method of METHODS) (host as any)[method] = (...args: unknown[]) => call(method, args);
  host.close = async () => {
    await call('close', []);
    await exited;
  };
  return host;
}

export type { Answer, Call };
