/**
 * Where a webhook may go. A subscription names a URL; the platform must not become a way into its
 * own network (SSRF), so a target is an `https://` URL (plain `http://` only where configured, never
 * in production) whose every address is public unicast, unless the address lies in a network the
 * operator allowed (WEBHOOK_ALLOWED_NETWORKS: tests allow loopback). The addresses are checked when
 * the subscription is made (an IP literal) and again at each connection, on the address actually
 * connected to, so a name that later resolves to a private address is refused too.
 */
import ipaddr from 'ipaddr.js';

type Address = ipaddr.IPv4 | ipaddr.IPv6;

/** Range names an operator may allow, as ipaddr.js names them. */
const ALLOWABLE_RANGES = new Map(['loopback', 'private', 'linkLocal', 'uniqueLocal', 'carrierGradeNat'].map((name) => [name.toLowerCase(), name]));

export interface AllowedNetworks {
  readonly ranges: ReadonlySet<string>;
  readonly cidrs: readonly [Address, number][];
}

/** `loopback,private,10.20.0.0/16` → what it allows; throws naming what it cannot read. */
export function parseAllowedNetworks(text: string): AllowedNetworks {
  const ranges = new Set<string>();
  const cidrs: [Address, number][] = [];
  for (const part of text.split(',').map((p) => p.trim()).filter(Boolean)) {
    const range = ALLOWABLE_RANGES.get(part.toLowerCase());
    if (range) ranges.add(range);
    else if (isPlainCidr(part)) cidrs.push(ipaddr.parseCIDR(part));
    else throw new Error(`WEBHOOK_ALLOWED_NETWORKS: "${part}" is neither a CIDR nor one of ${[...ALLOWABLE_RANGES.values()].join(', ')}`);
  }
  return { ranges, cidrs };
}

/**
 * A CIDR written plainly: ipaddr.js also reads IPv4 the old inet_aton way, so a typo such as
 * `10.20/16` or `010.0.0.0/8` would otherwise allow another network than the one written.
 */
function isPlainCidr(text: string): boolean {
  const [address = '', bits = ''] = text.split('/');
  if (!/^\d{1,3}$/.test(bits) || !ipaddr.isValidCIDR(text)) return false;
  return address.includes(':') || (ipaddr.IPv4.isValidFourPartDecimal(address) && !/(^|\.)0\d/.test(address));
}

/** Why an address may not be connected to, or null when it may. */
export function addressRefusal(address: string, allowed: AllowedNetworks): string | null {
  if (!ipaddr.isValid(address)) return `${address} is not an IP address`;
  // An IPv4-mapped IPv6 address (::ffff:127.0.0.1) is judged as the IPv4 address it is.
  const ip = ipaddr.process(address);
  const range = ip.range();
  // ::a.b.c.d, the deprecated IPv4-compatible form, is not a public IPv6 address whatever ipaddr.js says.
  const compatible = ip.kind() === 'ipv6' && (ip as ipaddr.IPv6).parts.slice(0, 6).every((part) => part === 0);
  if (range === 'unicast' && compatible) return `${address} is an IPv4-compatible address, not a public one`;
  if (range === 'unicast') return null;
  if (allowed.ranges.has(range)) return null;
  for (const [network, bits] of allowed.cidrs) {
    if (network.kind() === ip.kind() && ip.match(network as never, bits)) return null;
  }
  return `${address} is a ${range} address, not a public one`;
}

export type TargetCheck = { ok: true; url: URL } | { ok: false; reason: string };

export const MAX_URL_LENGTH = 2048;

/** Checks a subscription's URL before it is stored. */
export function checkTarget(text: string, options: { allowHttp: boolean; allowed: AllowedNetworks }): TargetCheck {
  if (text.length > MAX_URL_LENGTH) return { ok: false, reason: `the URL is longer than ${MAX_URL_LENGTH} characters` };
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return { ok: false, reason: 'not an absolute URL' };
  }
  if (url.protocol !== 'https:' && !(options.allowHttp && url.protocol === 'http:')) {
    return { ok: false, reason: options.allowHttp ? 'only https:// and http:// URLs' : 'only https:// URLs' };
  }
  if (url.username || url.password) return { ok: false, reason: 'credentials in the URL are refused: verify the signature instead' };
  if (url.hash || url.href.endsWith('#')) return { ok: false, reason: 'a URL fragment is never sent: remove it' };
  // Without brackets (IPv6) and without the root's trailing dot (`localhost.` is `localhost`).
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1').replace(/\.$/, '');
  if (!host) return { ok: false, reason: 'the URL has no host' };
  if (ipaddr.isValid(host)) {
    const refusal = addressRefusal(host, options.allowed);
    if (refusal) return { ok: false, reason: refusal };
  } else if (host === 'localhost' || host.endsWith('.localhost')) {
    // Always loopback (RFC 6761): judged here too, not only when connecting.
    if (!options.allowed.ranges.has('loopback')) return { ok: false, reason: `${host} is a loopback name, not a public one` };
  } else if (!/^[a-z0-9.-]+$/i.test(host) || !host.includes('.')) {
    return { ok: false, reason: `${host} is not a host name` };
  }
  return { ok: true, url };
}
