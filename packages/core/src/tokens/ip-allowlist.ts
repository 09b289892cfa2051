import { isIPv4 } from 'node:net';
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

/** A dotted IPv4 address as an unsigned 32-bit number (the caller has checked the form). */
function ipv4Number(ip: string): number {
  let n = 0;
  let part = 0;
  for (let i = 0; i < ip.length; i++) {
    const c = ip.charCodeAt(i);
    if (c === 46) {
      n = n * 256 + part;
      part = 0;
    } else part = part * 10 + (c - 48);
  }
  return n * 256 + part;
}

/**
 * A token's parsed allowlist. `allows(ip)` is what the auth hook asks on every request: the
 * answer for an address is remembered, so that a token in steady use from a few addresses pays
 * one Map lookup. A new address costs a parse and the matches: IPv4 (and IPv4-mapped IPv6, as
 * a dual-stack socket reports IPv4 peers) as 32-bit numbers under a mask, other IPv6 through
 * ipaddr.js.
 */
export class IpAllowlist {
  /** IPv4 ranges as [network, mask], unsigned. */
  readonly #v4: Array<[number, number]> = [];
  readonly #v6: Range[] = [];
  readonly #answers = new Map<string, boolean>();

  constructor(readonly cidrs: readonly string[]) {
    for (const c of cidrs) {
      const range = parseRange(c);
      if (range === undefined) continue;
      if (range[0].kind() === 'ipv6') {
        this.#v6.push(range);
        continue;
      }
      const mask = range[1] === 0 ? 0 : (0xffffffff << (32 - range[1])) >>> 0;
      this.#v4.push([(ipv4Number(range[0].toString()) & mask) >>> 0, mask]);
    }
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
    const dotted = ip.startsWith('::ffff:') ? ip.slice(7) : ip;
    if (isIPv4(dotted)) return this.#matchV4(ipv4Number(dotted));
    let addr: ipaddr.IPv4 | ipaddr.IPv6;
    try {
      // process(): an IPv4-mapped IPv6 address in another notation is its IPv4.
      addr = ipaddr.process(ip);
    } catch {
      return false;
    }
    if (addr.kind() === 'ipv4') return this.#matchV4(ipv4Number(addr.toString()));
    return this.#v6.some(([net, bits]) => addr.match(net, bits));
  }

  #matchV4(n: number): boolean {
    for (const [net, mask] of this.#v4) if (((n & mask) >>> 0) === net) return true;
    return false;
  }
}

/** Parsed lists by their text, so that tokens sharing a list (and a token cached again) share its parse and its remembered answers. */
const parsedLists = new Map<string, IpAllowlist>();
const MAX_PARSED_LISTS = 1024;

/** The parsed allowlist of these CIDRs (as stored: canonical, from parseAllowedIps). */
export function allowlistOf(cidrs: readonly string[]): IpAllowlist {
  const key = cidrs.join(',');
  let list = parsedLists.get(key);
  if (list === undefined) {
    if (parsedLists.size >= MAX_PARSED_LISTS) parsedLists.delete(parsedLists.keys().next().value!);
    parsedLists.set(key, (list = new IpAllowlist(cidrs)));
  }
  return list;
}
