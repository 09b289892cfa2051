import type { Actor } from '../auth/principal.js';
import type { Deps } from '../deps.js';
import type { Token, User } from '../model.js';
import type { HandoverResult } from './handover.js';
import { effectiveOwnerIds } from './owners.js';

/** One e-mail: plain text, to people. */
export interface MailMessage {
  to: string[];
  subject: string;
  text: string;
}

/** Sends e-mail (SMTP in the server); absent when no SMTP server is configured. */
export interface Mailer {
  send(message: MailMessage): Promise<void>;
}

/** What a lifecycle job tells a token's owners about. */
export type TokenNotice =
  | { kind: 'expiring'; token: Token; daysLeft: number }
  | { kind: 'idle_warning'; token: Token; daysLeft: number }
  | { kind: 'idle_revoked'; token: Token; idleDays: number }
  | { kind: 'leaked'; token: Token; url: string | null; source: string | null };

/**
 * Who is told about a token (SPEC §9): a Personal token's owner; for a service account's token,
 * the people who own the account — by default the Admin who created it. Only active people with
 * an e-mail address.
 */
export async function ownersOf(deps: Pick<Deps, 'store'>, token: Token): Promise<string[]> {
  const owner = await deps.store.users.findById(token.user.id);
  if (!owner) return [];
  return owner.type === 'Human' ? reachable([owner]) : ownersOfAccount(deps, owner);
}

/** The e-mail addresses of a service account's owners (by default the Admin who created it). */
export async function ownersOfAccount(deps: Pick<Deps, 'store'>, account: User): Promise<string[]> {
  return reachable(await Promise.all((await effectiveOwnerIds(deps.store, account)).map((id) => deps.store.users.findById(id))));
}

const reachable = (people: ReadonlyArray<User | undefined>) => [...new Set(people.flatMap((u) => (u && u.active && u.type === 'Human' && u.email ? [u.email] : [])))];

/** The handover's mail (SPEC §9): which tokens of whom now run as which service account; no secret. */
export function handoverMail(actor: Actor, h: HandoverResult): Omit<MailMessage, 'to'> {
  const lines = h.tokens.map(({ token }, i) => {
    const old = h.replaced[i]!;
    const where = old.lastUsedIp ? `, last used from ${old.lastUsedIp}${old.lastUsed ? ` on ${old.lastUsed.toISOString()}` : ''}` : '';
    return `- "${token.name}": new Service token ${token.id} (expires ${token.expiration?.toISOString() ?? 'never'}) replaces token ${old.id} of ${h.person.userId}${where}`;
  });
  const n = h.tokens.length;
  return {
    subject: `Gatehouse: ${n} token${n === 1 ? '' : 's'} of ${h.person.name} moved to the service account ${h.serviceAccount.name}`,
    text:
      `${actor.principal.user.name} (${actor.principal.user.userId}) handed over the automation of ${h.person.name} (${h.person.userId}), ` +
      `who was deactivated, to the service account ${h.serviceAccount.name} (${h.serviceAccount.userId}), which you own:\n\n${lines.join('\n')}\n\n` +
      `The new secrets were shown once to ${actor.principal.user.userId}; they are not in this mail. ` +
      `Put each one where the token it replaces was used; the old tokens stay stopped.\n`,
  };
}

const describe = (t: Token) => `${t.type === 'Service' ? `the service token "${t.name}" of ${t.user.userId}` : `your token "${t.name}"`} (id ${t.id})`;

/** The mail of a notice: what happens, when, and what to do about it. */
export function noticeMail(n: TokenNotice): Omit<MailMessage, 'to'> {
  const what = describe(n.token);
  switch (n.kind) {
    case 'expiring':
      return {
        subject: `Gatehouse: token "${n.token.name}" expires in ${n.daysLeft} day${n.daysLeft === 1 ? '' : 's'}`,
        text: `${what[0]!.toUpperCase()}${what.slice(1)} expires on ${n.token.expiration?.toISOString() ?? 'never'}.\n\nRotate it before then (gatehouse tokens rotate ${n.token.id} --grace-hours 24) so that what uses it keeps working.\n`,
      };
    case 'idle_warning':
      return {
        subject: `Gatehouse: unused token "${n.token.name}" will be revoked in ${n.daysLeft} days`,
        text: `${what[0]!.toUpperCase()}${what.slice(1)} has not been used since ${(n.token.lastUsed ?? n.token.created).toISOString()}.\n\nBy policy it will be revoked in ${n.daysLeft} days unless it is used. If it is no longer needed, revoke it now.\n`,
      };
    case 'idle_revoked':
      return {
        subject: `Gatehouse: unused token "${n.token.name}" was revoked`,
        text: `${what[0]!.toUpperCase()}${what.slice(1)} was revoked after ${n.idleDays} days without use (reason: idle).\n\nAn Admin can restore it if it is still needed.\n`,
      };
    case 'leaked':
      return {
        subject: `Gatehouse: token "${n.token.name}" was found in public and revoked`,
        text:
          `${what[0]!.toUpperCase()}${what.slice(1)} was reported as published${n.source ? ` (${n.source})` : ''}${n.url ? ` at ${n.url}` : ''} and was revoked at once (reason: leaked).\n\n` +
          `Remove it from where it was published, generate a new token for what used it, and check the audit log for requests made with it.\n`,
      };
  }
}

/** Mails each notice to the token's owners; a failure is reported to `onError`, never thrown (the notice's event is already in the outbox). */
export async function mailNotices(deps: Pick<Deps, 'store' | 'mailer'>, notices: readonly TokenNotice[], onError: (e: unknown) => void): Promise<number> {
  if (!deps.mailer) return 0;
  let sent = 0;
  for (const n of notices) {
    try {
      const to = await ownersOf(deps, n.token);
      if (to.length === 0) continue;
      await deps.mailer.send({ to, ...noticeMail(n) });
      sent++;
    } catch (e) {
      onError(e);
    }
  }
  return sent;
}
