import type { AuditEvent, AuditOutcome, AuditQuery, AuditStore, NewAuditEvent, Page } from '@gatehouse/core';
import type { Kysely } from 'kysely';
import { toDate, type DialectTraits } from './dialect.js';
import { pageOf } from './rows.js';
import type { Database } from './schema.js';

/** The row of an audit event (shared with stores that write one in their own transaction). */
export function auditRow(traits: DialectTraits, e: NewAuditEvent) {
  return {
    at: traits.time(e.at),
    actor_user_id: e.actorUserId,
    actor_token_id: e.actorTokenId,
    action: e.action,
    target_type: e.targetType,
    target_id: e.targetId,
    ip: e.ip,
    user_agent: e.userAgent?.slice(0, 512) ?? null,
    outcome: e.outcome,
    details: e.details ? JSON.stringify(e.details) : null,
  };
}

export class KyselyAuditStore implements AuditStore {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly traits: DialectTraits,
  ) {}

  async append(events: readonly NewAuditEvent[]): Promise<void> {
    if (events.length === 0) return;
    await this.db
      .insertInto('audit_events')
      .values(events.map((e) => auditRow(this.traits, e)))
      .execute();
  }

  async list(q: AuditQuery): Promise<Page<AuditEvent>> {
    let base = this.db.selectFrom('audit_events');
    if (q.actorUserId !== undefined) base = base.where('actor_user_id', '=', q.actorUserId);
    if (q.actorTokenId !== undefined) base = base.where('actor_token_id', '=', q.actorTokenId);
    if (q.action !== undefined) base = base.where('action', '=', q.action);
    if (q.since !== undefined) base = base.where('at', '>=', this.traits.time(q.since));
    if (q.until !== undefined) base = base.where('at', '<', this.traits.time(q.until));
    if (q.afterId !== undefined) base = base.where('id', '>', q.afterId);
    const [rows, count] = await Promise.all([
      base.selectAll().orderBy('id', 'desc').limit(q.limit).offset(q.offset).execute(),
      base.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow(),
    ]);
    return pageOf(
      rows.map((r) => ({
        id: r.id,
        at: toDate(r.at),
        actorUserId: r.actor_user_id,
        actorTokenId: r.actor_token_id,
        action: r.action,
        targetType: r.target_type,
        targetId: r.target_id,
        ip: r.ip,
        userAgent: r.user_agent,
        outcome: r.outcome as AuditOutcome,
        details: r.details ? (JSON.parse(r.details) as Record<string, unknown>) : null,
      })),
      count.n,
    );
  }
}
