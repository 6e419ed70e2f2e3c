/** One HTTP exchange as the SDK made it: what it sent, what came back, when. */
export type Exchange = {
  method: string;
  url: string;
  requestHeaders: Record<string, string>;
  status: number;
  headers: Record<string, string>;
  sentAt: number;
  receivedAt: number;
};

/** The global fetch, recording every exchange: lets a test see the SDK's retries on the wire. */
export function recordingFetch(): { fetch: typeof fetch; exchanges: Exchange[] } {
  const exchanges: Exchange[] = [];
  const wrapped = (async (url: string | URL, init: RequestInit = {}) => {
    const sentAt = Date.now();
    const res = await fetch(url, init);
    const headers: Record<string, string> = {};
    res.headers.forEach((v, k) => {
      headers[k] = v;
    });
    exchanges.push({
      method: init.method ?? 'GET',
      url: String(url),
      requestHeaders: { ...(init.headers as Record<string, string>) },
      status: res.status,
      headers,
      sentAt,
      receivedAt: Date.now(),
    });
    return res;
  }) as typeof fetch;
  return { fetch: wrapped, exchanges };
}
