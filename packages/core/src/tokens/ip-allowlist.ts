import ipaddr from 'ipaddr.js';
import { invalidInput } from '../errors.js';

/** Longest allowlist a token may carry: each entry costs a match on the token's first request from a new address. */
export const MAX_ALLOWED_IPS = 100;

type Range = [ipaddr.IPv4 | ipaddr.IPv6, number];

/** Reads a CIDR or a bare address (a /32 or /128), IPv4-mapped IPv6 as IPv4; undefined when not one. */
function parseRange(entry: string): Range | undefined {
  try {
    if (entry.includes('/')) {
      const [addr, bits] = ipaddr.parseCIDR(entry);
      if (addr.kind() === 'ipv6' && (addr as ipaddr.IPv6).isIPv4MappedAddress() && bits >= 96) {
        return [(addr as ipaddr.IPv6).toIPv4Address(), bits - 96];
      }
      return [addr, bits];
    }
    const addr = ipaddr.process(entry);
    return [addr, addr.kind() === 'ipv4' ? 32 : 128];
  } catch {
    return undefined;
  }
}

/**
 * Validates a token's `allowed_ips` (SPEC §11): absent or null = any address; else a non-empty
 * list of IPv4/IPv6 CIDRs or addresses, returned in the canonical form ipaddr.js prints
 * (`10.0.0.0/8`, `2001:db8::/32`).
 */
export function parseAllowedIps(input: unknown, field = 'allowed_ips'): string[] | null {
  if (input === undefined || input === null) return null;
  if (!Array.isArray(input) || input.length === 0 || input.length > MAX_ALLOWED_IPS) {
    throw invalidInput(field, `must be a list of 1 to ${MAX_ALLOWED_IPS} IPv4 or IPv6 CIDRs (e.g. 203.0.113.0/24, 2001:db8::/32), or null`);
  }
  const out: string[] = [];
  for (const entry of input) {
    const range = typeof entry === 'string' ? parseRange(entry.trim()) : undefined;
    if (!range) throw invalidInput(field, `${JSON.stringify(entry)} is not an IPv4 or IPv6 CIDR`);
    const text = `${range[0].kind() === 'ipv6' ? (range[0] as ipaddr.IPv6).toRFC5952String() : range[0].toString()}/${range[1]}`;
    if (!out.includes(text)) out.push(text);
  }
  return out;
}

/** How many client addresses an allowlist remembers its answer for. */
const REMEMBERED_ADDRESSES = 256;

/**
 * A token's parsed allowlist. `allows(ip)` is what the auth hook asks on every request: the
 * answer for an address is remembered, so that a token in steady use from a few addresses pays
 * one Map lookup, not a parse and a match per range.
 */
export class IpAllowlist {
  readonly #ranges: Range[];
  readonly #answers = new Map<string, boolean>();

  constructor(readonly cidrs: readonly string[]) {
    this.#ranges = cidrs.map((c) => parseRange(c)).filter((r): r is Range => r !== undefined);
  }

  allows(ip: string | null | undefined): boolean {
    if (ip === null || ip === undefined) return false;
    const known = this.#answers.get(ip);
    if (known !== undefined) return known;
    const answer = this.#match(ip);
    if (this.#answers.size >= REMEMBERED_ADDRESSES) this.#answers.delete(this.#answers.keys().next().value!);
    this.#answers.set(ip, answer);
    return answer;
  }

  #match(ip: string): boolean {
    let addr: ipaddr.IPv4 | ipaddr.IPv6;
    try {
      // process(): an IPv4-mapped IPv6 address (::ffff:192.0.2.1, as a dual-stack socket reports IPv4 peers) is its IPv4.
      addr = ipaddr.process(ip);
    } catch {
      return false;
    }
    for (const [net, bits] of this.#ranges) {
      if (net.kind() === addr.kind() && addr.match(net, bits)) return true;
    }
    return false;
  }
}
