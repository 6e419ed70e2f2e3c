import dns from 'node:dns';
import net from 'node:net';
import { ApiError } from '../http/errors.js';

// Webhook URLs are partner input that makes our servers send requests: without these rules an
// endpoint could aim the worker at our own network (cloud metadata, databases, admin planes).
// Production: https only, and the host must resolve to public unicast addresses only. The
// check runs when a URL is saved and again, at connect time, on every delivery.

export type WebhookUrlPolicy = 'production' | 'development';
export type ResolvedAddress = { address: string; family: number };
export type DnsLookup = (hostname: string) => Promise<ResolvedAddress[]>;
export type UrlRules = { policy: WebhookUrlPolicy; lookup: DnsLookup };

const DNS_TIMEOUT_MS = 3_000; // saving an endpoint waits at most this for the resolver, then refuses

export const systemLookup: DnsLookup = (hostname) => dns.promises.lookup(hostname, { all: true, verbatim: true });

/** The rules a process runs with. Unset means production's: a forgotten flag fails safe. */
export function urlRulesOf(deps: { webhookUrlPolicy?: WebhookUrlPolicy; webhookDnsLookup?: DnsLookup }): UrlRules {
  return { policy: deps.webhookUrlPolicy ?? 'production', lookup: deps.webhookDnsLookup ?? systemLookup };
}

type Range = { bytes: number[]; prefix: number; label: string };

const range = (cidr: string, label: string): Range => {
  const [ip, prefix] = cidr.split('/') as [string, string];
  return { bytes: net.isIPv4(ip) ? ipv4Bytes(ip) : ipv6Bytes(ip), prefix: Number(prefix), label };
};

// Every IPv4 block that is not public unicast (IANA special-purpose registry).
const V4_BLOCKED = [
  range('0.0.0.0/8', 'an unspecified address'),
  range('10.0.0.0/8', 'a private address'),
  range('100.64.0.0/10', 'a carrier-grade NAT address'),
  range('127.0.0.0/8', 'a loopback address'),
  range('169.254.0.0/16', 'a link-local address'),
  range('172.16.0.0/12', 'a private address'),
  range('192.0.0.0/24', 'an IETF protocol address'),
  range('192.0.2.0/24', 'a documentation address'),
  range('192.88.99.0/24', 'a 6to4 relay address'),
  range('192.168.0.0/16', 'a private address'),
  range('198.18.0.0/15', 'a benchmarking address'),
  range('198.51.100.0/24', 'a documentation address'),
  range('203.0.113.0/24', 'a documentation address'),
  range('224.0.0.0/4', 'a multicast address'),
  range('240.0.0.0/4', 'a reserved or broadcast address'),
];

const V6_BLOCKED = [
  range('::/128', 'an unspecified address'),
  range('::1/128', 'a loopback address'),
  range('64:ff9b:1::/48', 'a local NAT64 address'),
  range('100::/64', 'a discard-only address'),
  range('2001::/23', 'an IETF protocol address'), // Teredo, ORCHID, …: tunnels to anywhere
  range('2001:db8::/32', 'a documentation address'),
  range('2002::/16', 'a 6to4 address'),
  range('fc00::/7', 'a unique local (private) address'),
  range('fe80::/10', 'a link-local address'),
  range('fec0::/10', 'a site-local address'),
  range('ff00::/8', 'a multicast address'),
];

// IPv6 forms whose last 32 bits are an IPv4 address the packet really goes to: judged by it.
const V6_EMBEDDING_V4 = [range('::ffff:0:0/96', 'IPv4-mapped'), range('::/96', 'IPv4-compatible'), range('64:ff9b::/96', 'NAT64')];

function ipv4Bytes(ip: string): number[] {
  return ip.split('.').map(Number);
}

/** 16 bytes of a valid IPv6 address (zone dropped, a trailing dotted quad folded in). */
function ipv6Bytes(ip: string): number[] {
  let s = ip.split('%')[0]!;
  const quad = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(s);
  if (quad) {
    const [a, b, c, d] = quad.slice(1).map(Number) as [number, number, number, number];
    s = s.slice(0, quad.index) + `${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head, tail] = s.split('::') as [string, string | undefined];
  const groups = (part: string | undefined) => (part ? part.split(':').map((g) => parseInt(g, 16)) : []);
  const h = groups(head);
  const t = groups(tail);
  const all = tail === undefined ? h : [...h, ...Array(8 - h.length - t.length).fill(0), ...t];
  return all.flatMap((g) => [g >> 8, g & 0xff]);
}

function inRange(bytes: number[], r: Range): boolean {
  for (let bit = 0; bit < r.prefix; bit += 8) {
    const take = Math.min(8, r.prefix - bit);
    const mask = (0xff << (8 - take)) & 0xff;
    if ((bytes[bit / 8]! & mask) !== (r.bytes[bit / 8]! & mask)) return false;
  }
  return true;
}

/** What kind of non-public address `ip` is (e.g. "a private address"), or undefined when public. */
export function blockedAddressReason(ip: string): string | undefined {
  if (net.isIPv4(ip)) return V4_BLOCKED.find((r) => inRange(ipv4Bytes(ip), r))?.label;
  if (!net.isIPv6(ip)) return 'not an IP address';
  const bytes = ipv6Bytes(ip);
  const direct = V6_BLOCKED.find((r) => inRange(bytes, r));
  if (direct) return direct.label;
  const embedding = V6_EMBEDDING_V4.find((r) => inRange(bytes, r));
  if (!embedding) return undefined;
  const inner = V4_BLOCKED.find((r) => inRange(bytes.slice(12), r));
  return inner ? `${inner.label} (${embedding.label})` : undefined;
}

const bareHost = (url: URL) => url.hostname.replace(/^\[(.*)\]$/, '$1');
const isLoopbackName = (host: string) => host === 'localhost' || host.endsWith('.localhost');
const DEV_HTTP_HOSTS = new Set(['localhost', '127.0.0.1', '::1']);

/** The checks that need no DNS: credentials, scheme, and (production) literal addresses. */
export function staticUrlProblem(url: URL, policy: WebhookUrlPolicy): string | undefined {
  if (url.username || url.password) return 'must not contain credentials (user:password@)';
  const host = bareHost(url);
  if (url.protocol === 'http:' && policy === 'development' && DEV_HTTP_HOSTS.has(host)) return undefined;
  if (url.protocol !== 'https:') {
    return policy === 'development' ? 'must use https (http is allowed only for localhost in development)' : 'must use https';
  }
  if (policy === 'development') return undefined;
  if (isLoopbackName(host)) return `must not point to a loopback address (${host})`;
  const literal = net.isIP(host) ? blockedAddressReason(host) : undefined;
  return literal ? `must not point to ${literal} (${host})` : undefined;
}

/** Why `raw` may not be a webhook URL under `rules`, or undefined when it may. */
export async function webhookUrlProblem(raw: string, rules: UrlRules): Promise<string | undefined> {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return 'must be an absolute URL, e.g. https://hooks.example.com/layers';
  }
  const problem = staticUrlProblem(url, rules.policy);
  const host = bareHost(url);
  if (problem || rules.policy === 'development' || net.isIP(host)) return problem;
  let addresses: ResolvedAddress[];
  try {
    addresses = await withTimeout(rules.lookup(host), DNS_TIMEOUT_MS);
  } catch {
    return `host ${host} could not be resolved`;
  }
  if (addresses.length === 0) return `host ${host} could not be resolved`;
  for (const a of addresses) {
    const reason = blockedAddressReason(a.address);
    if (reason) return `must not point to ${reason}: ${host} resolves to ${a.address}`;
  }
  return undefined;
}

/** 422 VALIDATION on `url` when the URL is refused. */
export async function assertSafeWebhookUrl(raw: string, rules: UrlRules): Promise<void> {
  const problem = await webhookUrlProblem(raw, rules);
  if (problem) {
    throw new ApiError('VALIDATION', `Webhook URL refused: url ${problem}.`, { issues: [{ path: 'url', message: problem }] }, 422);
  }
}

export class UnsafeAddressError extends Error {
  readonly code = 'ERR_WEBHOOK_UNSAFE_ADDRESS';
}

/**
 * A `lookup` for http(s).request: the connection goes to the addresses checked here, so a DNS
 * answer that changes after the endpoint was saved (rebinding) cannot reach a private address.
 */
export function connectLookup(rules: UrlRules): net.LookupFunction {
  return (hostname, options, callback) => {
    rules.lookup(hostname).then((all) => {
      const blocked = rules.policy === 'production' ? all.find((a) => blockedAddressReason(a.address)) : undefined;
      if (blocked) {
        const reason = blockedAddressReason(blocked.address);
        return callback(new UnsafeAddressError(`refused: ${hostname} resolves to ${blocked.address}, ${reason}`), '', 0);
      }
      const family = options.family === 'IPv4' ? 4 : options.family === 'IPv6' ? 6 : options.family;
      const usable = family ? all.filter((a) => a.family === family) : all;
      if (usable.length === 0) return callback(Object.assign(new Error(`${hostname} has no usable address`), { code: 'ENOTFOUND' }), '', 0);
      if (options.all) return callback(null, usable);
      return callback(null, usable[0]!.address, usable[0]!.family);
    }, (err: NodeJS.ErrnoException) => callback(err, '', 0));
  };
}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error('timed out')), ms);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}
