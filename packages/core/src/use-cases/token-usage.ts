import type { Actor } from '../auth/principal.js';
import type { Deps } from '../deps.js';
import { notFound } from '../errors.js';
import type { Token } from '../model.js';
import { requirePermission } from '../policies.js';
import type { TokenClient, TokenUsageReport } from '../ports.js';
import { getToken } from './manage-tokens.js';

const DAY_MS = 86_400_000;

/** Distinct clients a token's usage lists (SPEC §10: the 10 most recent). */
export const USAGE_CLIENTS_SHOWN = 10;
/** The window a destructive confirmation describes, and the longer one it falls back to. */
export const BLAST_RADIUS_DAYS = 7;
export const BLAST_RADIUS_IDLE_DAYS = 90;

/** YYYY-MM-DD of the UTC day `daysBack` days before the one of `nowMs`. */
export const utcDay = (nowMs: number, daysBack = 0): string => new Date((Math.floor(nowMs / DAY_MS) - daysBack) * DAY_MS).toISOString().slice(0, 10);

/**
 * A token's requests per UTC day over the last `days` days (today included, days without
 * requests as 0, oldest first) and its most recent clients. Owner or Admin; others NOT_FOUND.
 */
export async function getTokenUsage(deps: Deps, actor: Actor, tokenId: number, days: number): Promise<TokenUsageReport> {
  await getToken(deps, actor, tokenId);
  const nowMs = deps.clock.nowMs();
  const stored = await deps.store.tokens.usageOf(tokenId, utcDay(nowMs, days - 1), USAGE_CLIENTS_SHOWN);
  const byDay = new Map(stored.daily.map((d) => [d.date, d.requests]));
  const daily = Array.from({ length: days }, (_, i) => {
    const date = utcDay(nowMs, days - 1 - i);
    return { date, requests: byDay.get(date) ?? 0 };
  });
  return { daily, clients: stored.clients };
}

/** What revoking (or rotating, or deactivating the owner of) some tokens would stop, from their usage. */
export interface BlastRadius {
  days: number;
  /** Active tokens considered (the others stop nothing). */
  tokens: number;
  requests: number;
  clients: TokenClient[];
  lastUsed: Date | null;
  /** "used 1,204 times by 2 clients in the last 7 days: 10.0.0.5 python-requests/2.32, …" or "not used in the last 90 days". */
  text: string;
}

/** The blast radius of one token (owner or Admin). */
export async function tokenBlastRadius(deps: Deps, actor: Actor, tokenId: number): Promise<BlastRadius> {
  const token = await getToken(deps, actor, tokenId);
  return blastRadiusOf(deps, [token]);
}

/** The blast radius of all active tokens of a user: what revoking them or deactivating the user stops (Admin). */
export async function userBlastRadius(deps: Deps, actor: Actor, userId: number): Promise<BlastRadius> {
  requirePermission(actor, 'manageUsers', "see what a user's tokens are used for");
  if (!(await deps.store.users.findById(userId))) throw notFound('User');
  const tokens = await deps.store.tokens.listByUser(userId);
  return blastRadiusOf(deps, tokens.filter((t) => t.revokedAt === null));
}

async function blastRadiusOf(deps: Deps, tokens: readonly Token[]): Promise<BlastRadius> {
  const nowMs = deps.clock.nowMs();
  const since = new Date(nowMs - BLAST_RADIUS_DAYS * DAY_MS);
  const summary = await deps.store.tokens.usageSummary(tokens.map((t) => t.id), utcDay(nowMs, BLAST_RADIUS_DAYS - 1), since);
  let lastUsed: Date | null = null;
  for (const t of tokens) if (t.lastUsed && (!lastUsed || t.lastUsed > lastUsed)) lastUsed = t.lastUsed;
  return {
    days: BLAST_RADIUS_DAYS,
    tokens: tokens.length,
    requests: summary.requests,
    clients: summary.clients,
    lastUsed,
    text: describeBlastRadius(summary.requests, summary.clients, lastUsed, nowMs),
  };
}

const CLIENTS_NAMED = 5;
const count = (n: number, one: string, many: string) => `${n.toLocaleString('en-US')} ${n === 1 ? one : many}`;
const clientLabel = (c: TokenClient) => [c.ip ?? 'unknown address', c.userAgent ?? ''].join(' ').trim();

/** The sentence a confirmation shows (SPEC §10). */
export function describeBlastRadius(requests: number, clients: readonly TokenClient[], lastUsed: Date | null, nowMs: number): string {
  if (requests > 0) {
    const named = clients.slice(0, CLIENTS_NAMED).map(clientLabel).join(', ');
    const more = clients.length > CLIENTS_NAMED ? ` and ${clients.length - CLIENTS_NAMED} more` : '';
    const by = clients.length > 0 ? ` by ${count(clients.length, 'client', 'clients')}` : '';
    return `used ${count(requests, 'time', 'times')}${by} in the last ${BLAST_RADIUS_DAYS} days${named ? `: ${named}${more}` : ''}`;
  }
  if (lastUsed && nowMs - lastUsed.getTime() < BLAST_RADIUS_IDLE_DAYS * DAY_MS) {
    return `not used in the last ${BLAST_RADIUS_DAYS} days (last used ${lastUsed.toISOString().slice(0, 10)})`;
  }
  return `not used in the last ${BLAST_RADIUS_IDLE_DAYS} days`;
}
