import dns from 'node:dns';
import net from 'node:net';

// A safety net for tests that aim webhooks at private and metadata addresses: every TCP
// connection this process starts must go to loopback. One that would leave the machine is
// recorded and failed before a packet is sent — so a policy bug shows up as a recorded
// attempt, never as traffic to 10.x or 169.254.x.

const LOOPBACK = new net.BlockList(); // Node's own matcher: it also reads ::ffff:7f00:1 as 127.0.0.1
LOOPBACK.addSubnet('127.0.0.0', 8, 'ipv4');
LOOPBACK.addAddress('::1', 'ipv6');
const isLoopback = (address: string) =>
  net.isIP(address) !== 0 && LOOPBACK.check(address, net.isIPv6(address) ? 'ipv6' : 'ipv4');

type Lookup = (hostname: string, options: dns.LookupOptions, callback: (...args: any[]) => void) => void;

export function installNetworkFence() {
  const attempts: string[] = [];
  const original = net.Socket.prototype.connect;
  const fenced = (target: string) => {
    attempts.push(target);
    return Object.assign(new Error(`network fence: refused a connection to ${target}`), { code: 'EFENCED' });
  };
  const fenceLookup =
    (inner: Lookup): Lookup =>
    (hostname, options, callback) =>
      inner(hostname, options, (err: Error | null, address: string | dns.LookupAddress[], family?: number) => {
        if (err) return callback(err, address, family);
        const outside = (Array.isArray(address) ? address.map((a) => a.address) : [address]).filter(
          (a) => !isLoopback(a),
        );
        if (outside.length > 0) return callback(fenced(`${hostname} → ${outside.join(', ')}`));
        return callback(null, address, family);
      });

  net.Socket.prototype.connect = function (this: net.Socket, ...args: any[]) {
    const options = Array.isArray(args[0])
      ? args[0][0]
      : typeof args[0] === 'object'
        ? args[0]
        : { port: args[0], host: args[1] };
    if (options && !options.path) {
      const host = String(options.host ?? 'localhost').replace(/^\[(.*)\]$/, '$1');
      if (net.isIP(host) && !isLoopback(host)) {
        const err = fenced(`${host}:${options.port}`);
        process.nextTick(() => this.destroy(err));
        return this;
      }
      if (!net.isIP(host) && typeof args[0] === 'object') options.lookup = fenceLookup(options.lookup ?? dns.lookup);
    }
    return original.apply(this, args as Parameters<typeof original>);
  } as typeof original;

  return {
    /** Every connection refused because it would have left loopback. */
    attempts,
    uninstall: () => {
      net.Socket.prototype.connect = original;
    },
  };
}
