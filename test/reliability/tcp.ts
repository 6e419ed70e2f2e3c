import net from 'node:net';

// Raw TCP for the reliability suite: a proxy that can cut or black-hole a database connection,
// a connection probe, and an HTTP/1.1 client on one socket that can pipeline.

export type Proxy = {
  port: number;
  /** Closes every connection and stops listening: new connections are refused. */
  cut(): Promise<void>;
  /** Keeps every connection open but forwards nothing, and accepts new ones into the void. */
  hang(): void;
  /** Back to forwarding (listening again on the same port if cut). */
  restore(): Promise<void>;
  close(): Promise<void>;
};

export async function tcpProxy(target: { host: string; port: number }): Promise<Proxy> {
  let mode: 'open' | 'hang' | 'cut' = 'open';
  const pairs = new Set<{ client: net.Socket; upstream: net.Socket }>();
  const held = new Set<net.Socket>();
  const server = net.createServer((client) => {
    client.on('error', () => {});
    if (mode === 'hang') {
      held.add(client);
      client.on('close', () => held.delete(client));
      return;
    }
    const upstream = net.connect(target.port, target.host);
    upstream.on('error', () => client.destroy());
    client.on('error', () => upstream.destroy());
    const pair = { client, upstream };
    pairs.add(pair);
    const drop = () => {
      pairs.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    client.on('close', drop);
    upstream.on('close', drop);
    client.pipe(upstream);
    upstream.pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  const listen = () =>
    new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => {
        server.off('error', reject);
        resolve();
      });
    });
  const stopListening = () =>
    new Promise<void>((resolve) => (server.listening ? server.close(() => resolve()) : resolve()));
  const destroyAll = () => {
    for (const p of pairs) {
      p.client.destroy();
      p.upstream.destroy();
    }
    for (const s of held) s.destroy();
  };
  return {
    port,
    async cut() {
      mode = 'cut';
      const stopped = stopListening(); // resolves once the last connection is gone
      destroyAll();
      await stopped;
    },
    hang() {
      mode = 'hang';
      for (const p of pairs) {
        p.client.unpipe(p.upstream);
        p.upstream.unpipe(p.client);
        p.client.pause();
        p.upstream.pause();
      }
    },
    async restore() {
      if (mode === 'cut') await listen();
      // Hung connections are dropped rather than resumed: their clients' queries already timed out.
      destroyAll();
      mode = 'open';
    },
    async close() {
      mode = 'cut';
      const stopped = stopListening();
      destroyAll();
      await stopped;
    },
  };
}

/** 'refused' when nothing listens on the port, 'accepted' when a TCP connection opens. */
export function probeConnect(port: number): Promise<'refused' | 'accepted' | string> {
  return new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1');
    s.once('connect', () => {
      s.destroy();
      resolve('accepted');
    });
    s.once('error', (err: NodeJS.ErrnoException) =>
      resolve(err.code === 'ECONNREFUSED' ? 'refused' : String(err.code)),
    );
  });
}

export type RawResponse = { status: number; headers: Record<string, string>; body: string };

/**
 * One keep-alive socket: write requests (pipelined if you like) and read the responses in order.
 * `closed` resolves when the server ends the connection.
 */
export function rawConnection(port: number) {
  const socket = net.connect(port, '127.0.0.1');
  socket.on('error', () => {});
  let buffer = Buffer.alloc(0);
  const waiting: ((r: RawResponse) => void)[] = [];
  const ready: RawResponse[] = [];
  const parse = () => {
    for (;;) {
      const end = buffer.indexOf('\r\n\r\n');
      if (end < 0) return;
      const head = buffer.subarray(0, end).toString('latin1');
      const [statusLine, ...lines] = head.split('\r\n');
      const headers = Object.fromEntries(
        lines.map((l) => [l.slice(0, l.indexOf(':')).toLowerCase(), l.slice(l.indexOf(':') + 1).trim()]),
      );
      const length = Number(headers['content-length'] ?? 0);
      if (buffer.length < end + 4 + length) return;
      const body = buffer.subarray(end + 4, end + 4 + length).toString('utf8');
      buffer = buffer.subarray(end + 4 + length);
      const res = { status: Number(statusLine!.split(' ')[1]), headers, body };
      const w = waiting.shift();
      if (w) w(res);
      else ready.push(res);
    }
  };
  socket.on('data', (d) => {
    buffer = Buffer.concat([buffer, d]);
    parse();
  });
  const connected = new Promise<void>((resolve) => socket.once('connect', () => resolve()));
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  return {
    socket,
    connected,
    closed,
    write: (data: string) => socket.write(data),
    /** The next response on this connection. */
    next: (): Promise<RawResponse> => {
      const r = ready.shift();
      if (r) return Promise.resolve(r);
      return new Promise((resolve, reject) => {
        waiting.push(resolve);
        void closed.then(() => setTimeout(() => reject(new Error('connection closed before a response')), 50));
      });
    },
    destroy: () => socket.destroy(),
  };
}
