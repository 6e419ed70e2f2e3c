import dns from 'node:dns';
import net from 'node:net';
import ipaddr from 'ipaddr.js';
import { ApiError } from '../http/errors.js';

// Webhook URLs are partner input that makes our servers send requests: without these rules an
// endpoint could aim the worker at our own network (cloud metadata, databases, admin planes) and
// read the delivery log back as a port scanner. One policy in every mode (NODE_ENV plays no
// part): https, and a host whose every address is public unicast — checked when a URL is saved
// and again, at connect time, on every delivery. The one exception is the development opt-in
// LAYERS_WEBHOOK_ALLOW_LOOPBACK=1: loopback receivers (127.0.0.0/8, ::1, localhost), over http too.

export type ResolvedAddress = { address: string; family: number };
export type DnsLookup = (hostname: string) => Promise<ResolvedAddress[]>;
export type UrlRules = { allowLoopback: boolean; lookup: DnsLookup };

const DNS_TIMEOUT_MS = 3_000; // saving an endpoint waits at most this for the resolver, then refuses

/**
 * The answer for every URL refused for where it points — a private or reserved address, a name
 * resolving to one, a name that does not resolve: a caller learns nothing about our network.
 */
export const NOT_PUBLIC = 'must point to a public address';

export const systemLookup: DnsLookup = (hostname) => dns.promises.lookup(hostname, { all: true, verbatim: true });

/** The rules a process runs with: loopback receivers only when explicitly allowed. */
export function urlRulesOf(deps: { webhookAllowLoopback?: boolean; webhookDnsLookup?: DnsLookup }): UrlRules {
  return { allowLoopback: deps.webhookAllowLoopback === true, lookup: deps.webhookDnsLookup ?? systemLookup };
}

export type AddressClass = { kind: 'public' | 'loopback' | 'refused'; range: string };

const GLOBAL_UNICAST_V6 = ipaddr.IPv6.parseCIDR('2000::/3');
const NAT64_WELL_KNOWN = ipaddr.IPv6.parseCIDR('64:ff9b::/96');

function classifyV4(v4: ipaddr.IPv4, via = ''): AddressClass {
  const range = v4.range();
  const kind = range === 'unicast' ? 'public' : range === 'loopback' ? 'loopback' : 'refused';
  return { kind, range: via + range };
}

/** Node's canonical IPv6 text (::10.0.0.1 → ::a00:1): ipaddr.js reads any dotted tail as IPv4-mapped. */
function canonical(ip: string): string {
  const bare = ip.split('%')[0]!; // a zone id names an interface, not a different address
  return net.isIPv6(bare) ? new URL(`http://[${bare}]/`).hostname.slice(1, -1) : bare;
}

/**
 * What `ip` is to a webhook: public (ipaddr.js's `unicast`, every special-purpose range
 * excluded), loopback, or refused. IPv6 forms that reach an IPv4 address are judged by it.
 */
export function classifyAddress(ip: string): AddressClass {
  let addr: ipaddr.IPv4 | ipaddr.IPv6;
  try {
    addr = ipaddr.parse(canonical(ip));
  } catch {
    return { kind: 'refused', range: 'not an IP address' };
  }
  if (addr.kind() === 'ipv4') return classifyV4(addr as ipaddr.IPv4);
  const v6 = addr as ipaddr.IPv6;
  const range = v6.range();
  // ::ffff:a.b.c.d: the socket connects to a.b.c.d itself.
  if (range === 'ipv4Mapped') return classifyV4(v6.toIPv4Address(), 'ipv4Mapped ');
  if (v6.match(NAT64_WELL_KNOWN)) {
    // A NAT64 gateway forwards to the embedded address; its loopback is the gateway's, never ours.
    const inner = classifyV4(new ipaddr.IPv4(v6.toByteArray().slice(12)), 'rfc6052 ');
    return inner.kind === 'loopback' ? { ...inner, kind: 'refused' } : inner;
  }
  if (range === 'loopback') return { kind: 'loopback', range };
  // 6to4 and Teredo (tunnels to an embedded IPv4 address), IPv4-compatible ::a.b.c.d and
  // anything outside 2000::/3 (unallocated) are refused whole: no real receiver lives there.
  if (range !== 'unicast' || !v6.match(GLOBAL_UNICAST_V6))
    return { kind: 'refused', range: range === 'unicast' ? 'not global unicast' : range };
  return { kind: 'public', range };
}

const allowed = (ip: string, rules: Pick<UrlRules, 'allowLoopback'>) => {
  const { kind } = classifyAddress(ip);
  return kind === 'public' || (kind === 'loopback' && rules.allowLoopback);
};

const bareHost = (url: URL) => url.hostname.replace(/^\[(.*)\]$/, '$1');
// RFC 6761: localhost and *.localhost are loopback whatever a resolver says.
const isLoopbackName = (host: string) => /(^|\.)localhost\.?$/.test(host);

/** The checks that need no DNS: credentials, scheme, literal addresses, localhost names. */
export function staticUrlProblem(url: URL, rules: Pick<UrlRules, 'allowLoopback'>): string | undefined {
  if (url.username || url.password) return 'must not contain credentials (user:password@)';
  const host = bareHost(url);
  const literal = net.isIP(host) ? classifyAddress(host).kind : isLoopbackName(host) ? 'loopback' : undefined;
  const loopbackAllowed = literal === 'loopback' && rules.allowLoopback;
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && loopbackAllowed)) {
    return rules.allowLoopback ? 'must use https (http only for a loopback receiver)' : 'must use https';
  }
  // a name: judged by its addresses
  if (literal === undefined || literal === 'public' || loopbackAllowed) return undefined;
  return NOT_PUBLIC;
}

/** Why `raw` may not be a webhook URL under `rules`, or undefined when it may. */
export async function webhookUrlProblem(raw: string, rules: UrlRules): Promise<string | undefined> {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return 'must be an absolute URL, e.g. https://hooks.example.com/layers';
  }
  const problem = staticUrlProblem(url, rules);
  const host = bareHost(url);
  if (problem || net.isIP(host)) return problem;
  let addresses: ResolvedAddress[];
  try {
    addresses = await withTimeout(rules.lookup(host), DNS_TIMEOUT_MS);
  } catch {
    return NOT_PUBLIC; // the same answer as a private address: no probing which names exist
  }
  if (addresses.length === 0 || !addresses.every((a) => allowed(a.address, rules))) return NOT_PUBLIC;
  return undefined;
}

/** 422 VALIDATION on `url` when the URL is refused. */
export async function assertSafeWebhookUrl(raw: string, rules: UrlRules): Promise<void> {
  const problem = await webhookUrlProblem(raw, rules);
  if (problem) {
    throw new ApiError('UNPROCESSABLE', `Webhook URL refused: url ${problem}.`, {
      issues: [{ path: 'url', message: problem }],
    });
  }
}

/** A connection refused before it was made. `message` is all a partner sees; `detail` is for our log only. */
export class UnsafeAddressError extends Error {
  readonly code = 'ERR_WEBHOOK_UNSAFE_ADDRESS';
  constructor(readonly detail: string) {
    super(`url ${NOT_PUBLIC}`);
  }
}

/**
 * A `lookup` for http(s).request: the connection goes to the addresses checked here, so a DNS
 * answer that changes after the endpoint was saved (rebinding) cannot reach a private address.
 */
export function connectLookup(rules: UrlRules): net.LookupFunction {
  return (hostname, options, callback) => {
    rules.lookup(hostname).then(
      (all) => {
        const refused = all.filter((a) => !allowed(a.address, rules));
        if (refused.length > 0) {
          const ranges = refused.map((a) => `${a.address} (${classifyAddress(a.address).range})`);
          const detail = `${hostname} resolves to ${ranges.join(', ')}`;
          return callback(new UnsafeAddressError(detail), '', 0);
        }
        const family = options.family === 'IPv4' ? 4 : options.family === 'IPv6' ? 6 : options.family;
        const usable = family ? all.filter((a) => a.family === family) : all;
        if (usable.length === 0)
          return callback(Object.assign(new Error(`${hostname} has no usable address`), { code: 'ENOTFOUND' }), '', 0);
        if (options.all) return callback(null, usable);
        return callback(null, usable[0]!.address, usable[0]!.family);
      },
      (err: NodeJS.ErrnoException) => callback(err, '', 0),
    );
  };
}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error('timed out')), ms);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}
