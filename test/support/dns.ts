import type { DnsLookup } from '../../src/webhooks/url-safety.js';

// Resolvers for webhook URLs in tests (AppDeps.webhookDnsLookup, WebhookWorkerDeps.webhookDnsLookup):
// the suite never asks real DNS, and never connects anywhere but loopback.

export const PUBLIC_TEST_ADDRESS = '93.184.215.14'; // public unicast; registered, never connected to

const loopback = (host: string) => /(^|\.)localhost\.?$/.test(host);
const notFound = (host: string) => Object.assign(new Error(`getaddrinfo ENOTFOUND ${host}`), { code: 'ENOTFOUND' });

/** A resolver that knows the names in `table` (and localhost) and nothing else. */
export const fakeDns =
  (table: Record<string, string[]>): DnsLookup =>
  async (host) => {
    const addresses = table[host] ?? (loopback(host) ? ['127.0.0.1'] : undefined);
    if (!addresses) throw notFound(host);
    return addresses.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));
  };

/** Saving endpoints: every name is public (hooks.example.com and the like), localhost is loopback. */
export const registrationDns: DnsLookup = async (host) =>
  loopback(host) ? [{ address: '127.0.0.1', family: 4 }] : [{ address: PUBLIC_TEST_ADDRESS, family: 4 }];

/** Delivering: only localhost resolves, so a stray delivery to hooks.example.com fails as "host not found". */
export const deliveryDns: DnsLookup = fakeDns({});
