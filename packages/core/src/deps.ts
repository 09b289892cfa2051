import type { AuthChangeBus } from './auth/auth-changes.js';
import type { Actor } from './auth/principal.js';
import type { Clock } from './clock.js';
import type { DatastoreListCache } from './datastores/list-cache.js';
import type { NewAuditEvent } from './model.js';
import type { Store } from './ports.js';
import type { Keyring } from './tokens/keyring.js';
import type { WebhookUrlGuard } from './lifecycle/webhooks.js';
import type { Mailer } from './lifecycle/mail.js';

/** Hashes and checks passwords (Argon2id in the server). */
export interface PasswordHasher {
  hash(password: string): Promise<string>;
  verify(hash: string, password: string): Promise<boolean>;
}

export interface TokenPolicy {
  /** Longest lifetime a token may be given, in days; `null` allows "Never". */
  maxLifetimeDays: number | null;
}

/** A count per time window (e.g. 10 failed logins per 15 minutes). */
export interface WindowLimit {
  max: number;
  windowMs: number;
}

/** Limits the use cases enforce themselves, in the store, so that every node counts alike. */
export interface UseCaseLimits {
  /** Failed logins per account before a lockout; null = no lockout. */
  loginFailuresPerAccount: WindowLimit | null;
}

/** Everything a use case needs, injected once by the server. */
export interface Deps {
  store: Store;
  clock: Clock;
  keyring: Keyring;
  passwords: PasswordHasher;
  changes: AuthChangeBus;
  policy: TokenPolicy;
  limits: UseCaseLimits;
  /** Checks a webhook destination when it is saved (SPEC §9); none = any http(s) URL. */
  webhookUrlGuard?: WebhookUrlGuard;
  /** Told after a change that wrote webhook events has committed (the server starts delivering at once). */
  onOutboxWritten?: () => void;
  /** E-mail to token owners (SPEC §9: GATEHOUSE_SMTP_URL); none = no mail. */
  mailer?: Mailer;
  /** Pages of datastore lists kept in step with `changes`; none = every list is read from the store. */
  datastoreLists?: DatastoreListCache;
}

export type AuditInput = Pick<NewAuditEvent, 'action'> & Partial<Omit<NewAuditEvent, 'action' | 'at'>>;

/** Appends one audit event done by `actor` (or by the system when `actor` is null). */
export async function audit(deps: Deps, actor: Actor | null, event: AuditInput): Promise<void> {
  await deps.store.audit.append([auditEvent(deps, actor, event)]);
}

/** The audit event done by `actor`, for a store that writes it with its own change (in one transaction). */
export function auditEvent(deps: Deps, actor: Actor | null, event: AuditInput): NewAuditEvent {
  return {
      at: deps.clock.now(),
      actorUserId: actor?.principal.user.id ?? null,
      actorTokenId: actor?.principal.token?.id ?? null,
      ip: actor?.ip ?? null,
      userAgent: actor?.userAgent ?? null,
      targetType: null,
      targetId: null,
      outcome: 'success',
      details: null,
      ...event,
  };
}
