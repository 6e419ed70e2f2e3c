// Entry of the bench host's child process (see host-process.ts): answers calls over IPC.
import { createHost, type Host, type HostOptions } from './host.js';
import type { Answer, Call } from './host-process.js';

let host: Host | undefined;

process.on('message', async (m: Call) => {
  const answer = (a: Omit<Answer, 'id'>) => process.send!({ id: m.id, ...a });
  try {
    if (m.method === 'start') {
      host = await createHost(m.args[0] as HostOptions);
      return answer({ result: host.info });
    }
    if (!host) throw new Error('bench host not started');
    const result = await (host[m.method] as (...a: unknown[]) => Promise<unknown>)(...m.args);
    answer({ result });
    // After close, leave once the answer is out (a --cpu-prof profile is written on a normal exit).
    if (m.method === 'close') {
      process.disconnect();
      setTimeout(() => process.exit(0), 2000).unref(); // should a stray handle keep the loop alive
    }
  } catch (err) {
    const e = err as Error;
    answer({ error: { message: e.message, stack: e.stack } });
  }
});
