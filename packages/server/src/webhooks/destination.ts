import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import type { LookupFunction } from 'node:net';
import type { WebhookUrlGuard } from '@gatehouse/core';
import ipaddr from 'ipaddr.js';

/*
 * Where webhooks may go (SPEC §9). Only public unicast addresses, unless
 * GATEHOUSE_WEBHOOK_ALLOW_PRIVATE=true: a webhook URL is chosen by an Admin, but a server that
 * POSTs to loopback, private or link-local addresses (cloud metadata at 169.254.169.254) on
 * request is a classic SSRF pivot. The check runs when an endpoint is saved and again at each
 * delivery, on the very addresses the connection uses (the `lookup` given to the socket), so a
 * name re-pointed after it was saved (DNS rebinding) cannot slip through.
 */

/** Why this address is refused, or null when it is public unicast. */
export function refusedAddress(address: string): string | null {
  if (!ipaddr.isValid(address)) return `"${address}" is not an IP address`;
  let parsed = ipaddr.parse(address);
  if (parsed.kind() === 'ipv6' && (parsed as ipaddr.IPv6).isIPv4MappedAddress()) parsed = (parsed as ipaddr.IPv6).toIPv4Address();
  const range = parsed.range();
  return range === 'unicast' ? null : `${address} is a ${range} address`;
}

const refusal = (host: string, why: string) =>
  `${host} resolves to a non-public address (${why}); set GATEHOUSE_WEBHOOK_ALLOW_PRIVATE=true to allow private destinations`;

/** The check of a destination when an endpoint is saved (Deps.webhookUrlGuard). */
export function webhookUrlGuard(allowPrivate: boolean): WebhookUrlGuard {
  return async (url) => {
    if (allowPrivate) return null;
    const host = url.hostname.replace(/^\[|\]$/g, '');
    if (isIP(host)) {
      const why = refusedAddress(host);
      return why ? refusal(host, why) : null;
    }
    let addresses: Array<{ address: string }>;
    try {
      addresses = await lookup(host, { all: true });
    } catch {
      return `${host} does not resolve`;
    }
    for (const { address } of addresses) {
      const why = refusedAddress(address);
      if (why) return refusal(host, why);
    }
    return null;
  };
}

/**
 * A socket `lookup` that refuses non-public answers: given to the HTTP request, so the check
 * applies to the addresses actually connected to. (Node does not call `lookup` for an IP
 * literal; the sender checks those itself.)
 */
export const publicOnlyLookup: LookupFunction = (hostname, options, callback) => {
  lookup(hostname, { all: true, family: options.family ?? 0 })
    .then((answers) => {
      for (const { address } of answers) {
        const why = refusedAddress(address);
        if (why) throw Object.assign(new Error(refusal(hostname, why)), { code: 'EWEBHOOKPRIVATE' });
      }
      if (options.all) (callback as unknown as (e: null, a: typeof answers) => void)(null, answers);
      else callback(null, answers[0]!.address, answers[0]!.family);
    })
    .catch((e: NodeJS.ErrnoException) => callback(e, '', 0));
};
