import { describe, expect, it } from 'vitest';
import { allowlistOf, IpAllowlist, parseAllowedIps } from './ip-allowlist.js';

describe('parseAllowedIps', () => {
  it('accepts IPv4/IPv6 CIDRs and bare addresses, in canonical form (IPv4-mapped as IPv4), without duplicates; null = anywhere', () => {
    expect(parseAllowedIps(['10.0.0.0/8', ' 192.0.2.1 ', '2001:0db8:0000::/32', '::ffff:10.0.0.0/104', '10.0.0.0/8'])).toEqual(['10.0.0.0/8', '192.0.2.1/32', '2001:db8::/32']);
    expect(parseAllowedIps(null)).toBeNull();
    expect(parseAllowedIps(undefined)).toBeNull();
  });

  it.each([
    [['10.0.0.0/33'], '"10.0.0.0/33" is not an IPv4 or IPv6 CIDR'],
    [['256.1.1.1'], '"256.1.1.1" is not an IPv4 or IPv6 CIDR'],
    [['example.com'], '"example.com" is not an IPv4 or IPv6 CIDR'],
    [[42], '42 is not an IPv4 or IPv6 CIDR'],
    [[], 'must be a list of 1 to 100 IPv4 or IPv6 CIDRs (e.g. 203.0.113.0/24, 2001:db8::/32), or null'],
    ['10.0.0.0/8', 'must be a list of 1 to 100 IPv4 or IPv6 CIDRs (e.g. 203.0.113.0/24, 2001:db8::/32), or null'],
  ])('refuses %j, naming the field', (input, message) => {
    expect(() => parseAllowedIps(input)).toThrow(expect.objectContaining({ code: 'INVALID_INPUT', field: 'allowed_ips', message: `allowed_ips: ${message}` }));
  });
});

describe('IpAllowlist', () => {
  const list = new IpAllowlist(['10.0.0.0/8', '192.0.2.7/32', '2001:db8::/32', '100.64.0.0/10']);
  it.each([
    ['10.255.255.255', true], ['11.0.0.0', false], ['9.255.255.255', false], ['192.0.2.7', true], ['192.0.2.6', false],
    ['100.64.0.1', true], ['100.128.0.1', false],
    ['::ffff:10.1.2.3', true], ['::ffff:0a01:0203', true], ['::ffff:11.1.2.3', false],
    ['2001:db8::1', true], ['2001:0db8:ffff:ffff::', true], ['2001:db9::', false], ['::1', false],
    ['not-an-ip', false], ['', false],
  ])('%s → %s (asked twice: the remembered answer is the same)', (ip, allowed) => {
    expect(list.allows(ip)).toBe(allowed);
    expect(list.allows(ip)).toBe(allowed);
  });

  it('an allowlist of /0 allows every IPv4 address, and no IPv6 one', () => {
    const all4 = new IpAllowlist(['0.0.0.0/0']);
    expect([all4.allows('1.2.3.4'), all4.allows('255.255.255.255'), all4.allows('2001:db8::1')]).toEqual([true, true, false]);
  });

  it('no address is allowed when the client address is unknown', () => {
    expect(list.allows(null)).toBe(false);
  });

  it('allowlistOf shares one parsed list per text', () => {
    expect(allowlistOf(['10.0.0.0/8'])).toBe(allowlistOf(['10.0.0.0/8']));
    expect(allowlistOf(['10.0.0.0/8'])).not.toBe(allowlistOf(['10.0.0.0/16']));
  });
});
