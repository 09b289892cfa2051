import type { Deps } from '../deps.js';
import type { Token } from '../model.js';
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
  | { kind: 'idle_revoked'; token: Token; idleDays: number };

/**
 * Who is told about a token (SPEC §9): a Personal token's owner; for a service account's token,
 * the people who own the account — by default the Admin who created it. Only active people with
 * an e-mail address.
 */
export async function ownersOf(deps: Pick<Deps, 'store'>, token: Token): Promise<string[]> {
  const owner = await deps.store.users.findById(token.user.id);
  if (!owner) return [];
  const people = owner.type === 'Human' ? [owner] : await Promise.all((await effectiveOwnerIds(deps.store, owner)).map((id) => deps.store.users.findById(id)));
  return people.flatMap((u) => (u && u.active && u.type === 'Human' && u.email ? [u.email] : []));
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
