import type { AuthChange } from './auth/auth-changes.js';
import type { Actor } from './auth/principal.js';
import { auditEvent, type AuditInput, type Deps } from './deps.js';
import type { NewAuditEvent } from './model.js';
import type { StoreTransaction } from './ports.js';
import type { OutboxEntry, WebhookEvent } from './lifecycle/model.js';
import { outboxEntry } from './lifecycle/outbox.js';

/** What a change does inside its transaction besides its own writes. */
export interface Change {
  /** The stores, inside the change's transaction. */
  tx: StoreTransaction;
  /** Records an audit event done by the change's actor; written in the same transaction. */
  audit(event: AuditInput): void;
  /** An authentication change for every node's cache, published once the transaction has committed. */
  publish(change: AuthChange): void;
  /** A webhook event (SPEC §9), put in the outbox in the same transaction: it is sent if and only if the change commits. */
  emit(event: WebhookEvent): void;
}

/**
 * One change, one atomic write (SPEC §7). `decide` reads, checks its guards and writes through
 * `tx`, and records its audit events; the events are written last in the same transaction, so
 * the change and its record commit together or not at all (a failed audit write undoes the
 * change). Authentication changes are published after the commit and before this resolves, so
 * the caller answers only once every node has dropped what the change made stale. Webhook
 * events go to the outbox in the same transaction (a crash after the commit loses none).
 *
 * @example
 * await commitChange(deps, actor, async ({ tx, audit, publish }) => {
 *   await tx.tokens.update(id, { revocation });
 *   audit({ action: 'token.revoked', targetType: 'token', targetId: String(id) });
 *   publish({ kind: 'token', tokenId: id });
 * });
 */
export async function commitChange<T>(deps: Deps, actor: Actor | null, decide: (change: Change) => Promise<T>): Promise<T> {
  const published: AuthChange[] = [];
  let emitted = false;
  const result = await deps.store.transaction(async (tx) => {
    const events: NewAuditEvent[] = [];
    const outbox: OutboxEntry[] = [];
    const value = await decide({
      tx,
      audit: (event) => events.push(auditEvent(deps, actor, event)),
      publish: (change) => published.push(change),
      emit: (event) => outbox.push(outboxEntry(event, deps.clock.now())),
    });
    await tx.audit.append(events);
    if (outbox.length > 0) await tx.webhooks.enqueue(outbox, deps.clock.now());
    emitted = outbox.length > 0;
    return value;
  });
  for (const change of published) await deps.changes.publish(change);
  if (emitted) deps.onOutboxWritten?.();
  return result;
}
