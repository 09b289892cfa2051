import {
  notFound, type ClaimedDelivery, type IdleLimitGroup, type LifecycleStore, type TokenType, type DeliveryOutcome, type DeliveryStatus, type LifecyclePolicy, type NewWebhookEndpoint,
  type OutboxEntry, type Page, type PageRequest, type PolicyStore, type WebhookDelivery, type WebhookEndpoint, type WebhookEndpointPatch,
  type WebhookStore,
} from '@gatehouse/core';
import { sql, type Kysely, type Selectable } from 'kysely';
import { toBool, toDate, type DialectTraits } from './dialect.js';
import { enqueueOn } from './outbox.js';
import { atomically } from './prepared.js';
import { pageOf } from './rows.js';
import type { Database, WebhookDeliveriesTable, WebhookEndpointsTable } from './schema.js';

/** The policy is one JSON document (row 1): it is read and replaced whole. */
export class KyselyPolicyStore implements PolicyStore {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly traits: DialectTraits,
  ) {}

  async get(): Promise<LifecyclePolicy | undefined> {
    const row = await this.db.selectFrom('lifecycle_policy').select('document').where('id', '=', 1).executeTakeFirst();
    return row ? (JSON.parse(row.document) as LifecyclePolicy) : undefined;
  }

  async put(policy: LifecyclePolicy, at: Date): Promise<void> {
    const document = JSON.stringify(policy);
    await this.db
      .insertInto('lifecycle_policy')
      .values({ id: 1, document, updated: this.traits.time(at) })
      .onConflict((oc) => oc.column('id').doUpdateSet({ document, updated: this.traits.time(at) }))
      .execute();
  }
}

const endpointFromRow = (r: Selectable<WebhookEndpointsTable>): WebhookEndpoint => ({
  id: r.id,
  url: r.url,
  description: r.description,
  events: JSON.parse(r.events) as string[],
  active: toBool(r.active),
  created: toDate(r.created),
  createdById: r.created_by_id,
});

const deliveryFromRow = (r: Selectable<WebhookDeliveriesTable>): WebhookDelivery => ({
  id: r.id,
  endpointId: r.endpoint_id,
  messageId: r.message_id,
  eventType: r.event_type,
  payload: r.payload,
  status: r.status as DeliveryStatus,
  attempts: r.attempts,
  lastStatusCode: r.last_status_code,
  lastError: r.last_error,
  nextAttemptAt: toDate(r.next_attempt_at),
  created: toDate(r.created),
});

export class KyselyWebhookStore implements WebhookStore {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly traits: DialectTraits,
  ) {}

  async create(e: NewWebhookEndpoint): Promise<WebhookEndpoint> {
    const row = await this.db
      .insertInto('webhook_endpoints')
      .values({
        url: e.url, description: e.description, events: JSON.stringify(e.events), secret: e.secret, active: this.traits.bool(true),
        created: this.traits.time(e.created), created_by_id: e.createdById,
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    return endpointFromRow(row);
  }

  async findById(id: number): Promise<WebhookEndpoint | undefined> {
    const row = await this.db.selectFrom('webhook_endpoints').selectAll().where('id', '=', id).executeTakeFirst();
    return row ? endpointFromRow(row) : undefined;
  }

  async list(): Promise<WebhookEndpoint[]> {
    return (await this.db.selectFrom('webhook_endpoints').selectAll().orderBy('id').execute()).map(endpointFromRow);
  }

  async update(id: number, patch: WebhookEndpointPatch): Promise<WebhookEndpoint> {
    const set = {
      ...(patch.url !== undefined ? { url: patch.url } : {}),
      ...(patch.description !== undefined ? { description: patch.description } : {}),
      ...(patch.events !== undefined ? { events: JSON.stringify(patch.events) } : {}),
      ...(patch.active !== undefined ? { active: this.traits.bool(patch.active) } : {}),
    };
    const row =
      Object.keys(set).length > 0
        ? await this.db.updateTable('webhook_endpoints').set(set).where('id', '=', id).returningAll().executeTakeFirst()
        : await this.db.selectFrom('webhook_endpoints').selectAll().where('id', '=', id).executeTakeFirst();
    if (!row) throw notFound('Webhook');
    return endpointFromRow(row);
  }

  async delete(id: number): Promise<void> {
    await atomically(this.db, async (trx) => {
      await trx.deleteFrom('webhook_deliveries').where('endpoint_id', '=', id).execute();
      const res = await trx.deleteFrom('webhook_endpoints').where('id', '=', id).executeTakeFirst();
      if (Number(res.numDeletedRows) === 0) throw notFound('Webhook');
    });
  }

  async enqueue(entries: readonly OutboxEntry[], at: Date): Promise<void> {
    await enqueueOn(this.db, this.traits, entries, at);
  }

  async enqueueTo(endpointId: number, entry: OutboxEntry, at: Date): Promise<WebhookDelivery> {
    const row = await this.db
      .insertInto('webhook_deliveries')
      .values({
        endpoint_id: endpointId, message_id: entry.messageId, event_type: entry.type, payload: entry.payload, status: 'pending',
        attempts: 0, last_status_code: null, last_error: null, next_attempt_at: this.traits.time(at), claimed_until: null, created: this.traits.time(at),
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    return deliveryFromRow(row);
  }

  async listDeliveries(endpointId: number, page: PageRequest): Promise<Page<WebhookDelivery>> {
    const base = this.db.selectFrom('webhook_deliveries').where('endpoint_id', '=', endpointId);
    const [rows, count] = await Promise.all([
      base.selectAll().orderBy('id', 'desc').limit(page.limit).offset(page.offset).execute(),
      base.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow(),
    ]);
    return pageOf(rows.map(deliveryFromRow), Number(count.n));
  }

  async findDelivery(endpointId: number, id: number): Promise<WebhookDelivery | undefined> {
    const row = await this.db.selectFrom('webhook_deliveries').selectAll().where('endpoint_id', '=', endpointId).where('id', '=', id).executeTakeFirst();
    return row ? deliveryFromRow(row) : undefined;
  }

  async claimDue(now: Date, until: Date, limit: number): Promise<ClaimedDelivery[]> {
    const t = this.traits;
    let due = this.db
      .selectFrom('webhook_deliveries')
      .select('id')
      .where('status', '=', 'pending')
      .where('next_attempt_at', '<=', t.time(now))
      .where((eb) => eb.or([eb('claimed_until', 'is', null), eb('claimed_until', '<', t.time(now))]))
      .orderBy('id')
      .limit(limit);
    // Nodes polling together each take rows no other has locked (SQLite: one writer at a time).
    if (t.name === 'postgres') due = due.forUpdate().skipLocked();
    // One statement, so one commit: the claim is a delivery round's fixed cost. On PostgreSQL
    // the endpoints come with it (UPDATE … FROM: one round trip); SQLite's RETURNING cannot name
    // another table, and a second statement there costs no round trip.
    if (t.name === 'postgres') {
      const claimed = await this.db
        .updateTable('webhook_deliveries as d')
        .from('webhook_endpoints as e')
        .set({ claimed_until: t.time(until) })
        .whereRef('e.id', '=', 'd.endpoint_id')
        .where('d.id', 'in', due)
        .returningAll('d')
        .returning(['e.url', 'e.secret'])
        .execute();
      return claimed.sort((a, b) => a.id - b.id).map((r) => ({ ...deliveryFromRow(r), url: r.url, secret: r.secret, claimedUntil: until }));
    }
    const claimed = await this.db
      .updateTable('webhook_deliveries')
      .set({ claimed_until: t.time(until) })
      .where('id', 'in', due)
      .returningAll()
      .execute();
    if (claimed.length === 0) return [];
    const endpoints = new Map(
      (await this.db.selectFrom('webhook_endpoints').select(['id', 'url', 'secret']).where('id', 'in', [...new Set(claimed.map((r) => r.endpoint_id))]).execute())
        .map((e) => [e.id, e]),
    );
    return claimed
      .sort((a, b) => a.id - b.id)
      .flatMap((r) => {
        const e = endpoints.get(r.endpoint_id);
        return e ? [{ ...deliveryFromRow(r), url: e.url, secret: e.secret, claimedUntil: until }] : [];
      });
  }

  async recordAttempt(d: Pick<ClaimedDelivery, 'id' | 'claimedUntil'>, o: DeliveryOutcome): Promise<boolean> {
    return (await this.#record(this.db, [d.id], d.claimedUntil, o)).has(d.id);
  }

  async recordAttempts(attempts: ReadonlyArray<{ delivery: Pick<ClaimedDelivery, 'id' | 'claimedUntil'>; outcome: DeliveryOutcome }>): Promise<boolean[]> {
    if (attempts.length === 0) return [];
    // Attempts with the same outcome and claim (a round's deliveries, mostly) are one UPDATE;
    // all of them one commit (one fsync, one SQLite write lock) for the round.
    const groups = new Map<string, number[]>();
    attempts.forEach(({ delivery: d, outcome: o }, i) => {
      const key = JSON.stringify([d.claimedUntil.getTime(), o.status, o.statusCode, o.error, o.nextAttemptAt.getTime()]);
      groups.set(key, [...(groups.get(key) ?? []), i]);
    });
    const recorded = attempts.map(() => false);
    const record = async (db: Kysely<Database>) => {
      for (const indexes of groups.values()) {
        const { delivery, outcome } = attempts[indexes[0]!]!;
        const ids = await this.#record(db, indexes.map((i) => attempts[i]!.delivery.id), delivery.claimedUntil, outcome);
        for (const i of indexes) recorded[i] = ids.has(attempts[i]!.delivery.id);
      }
    };
    // One UPDATE (a round whose deliveries all went through) needs no transaction around it.
    if (groups.size === 1) await record(this.db);
    else await atomically(this.db, record);
    return recorded;
  }

  /** Records one outcome for the deliveries still claimed until `claimedUntil`; answers their ids. */
  async #record(db: Kysely<Database>, ids: number[], claimedUntil: Date, o: DeliveryOutcome): Promise<Set<number>> {
    const t = this.traits;
    const rows = await db
      .updateTable('webhook_deliveries')
      .set({
        status: o.status,
        attempts: sql`attempts + 1`,
        last_status_code: o.statusCode,
        last_error: o.error?.slice(0, 500) ?? null,
        next_attempt_at: t.time(o.nextAttemptAt),
        claimed_until: null,
      })
      .where('id', 'in', ids)
      .where('claimed_until', '=', t.time(claimedUntil))
      .returning('id')
      .execute();
    return new Set(rows.map((r) => r.id));
  }
}

export class KyselyLifecycleStore implements LifecycleStore {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly traits: DialectTraits,
  ) {}

  async tokensExpiringBetween(after: Date, until: Date, limit: number, withoutNotice?: { kind: string; since?: Date }): Promise<number[]> {
    const t = this.traits;
    let q = this.db
      .selectFrom('tokens as t')
      .select('t.id')
      .where('t.revoked_at', 'is', null)
      .where('t.expiration', '>', t.time(after))
      .where('t.expiration', '<=', t.time(until));
    if (withoutNotice !== undefined) {
      const { kind, since } = withoutNotice;
      q = q.where(({ not, exists, selectFrom }) => {
        let notice = selectFrom('lifecycle_notices as n').select('n.token_id').whereRef('n.token_id', '=', 't.id').where('n.kind', 'like', `${kind}%`);
        if (since) notice = notice.where('n.sent', '>=', t.time(since));
        return not(exists(notice));
      });
    }
    return (await q.orderBy('t.expiration').limit(limit).execute()).map((r) => r.id);
  }

  async idleTokens(group: IdleLimitGroup, activeBefore: Date, now: Date, limit: number, warned: false | Date): Promise<number[]> {
    const t = this.traits;
    const rows = await this.db
      .selectFrom('tokens as t')
      .select('t.id')
      .where('t.revoked_at', 'is', null)
      .where('t.token_type', '=', group.type)
      .where((eb) => (group.policy
        ? eb.or([eb('t.idle_revoke_days', 'is', null), eb('t.idle_revoke_days', '>=', group.days)])
        : eb('t.idle_revoke_days', '=', group.days)))
      .where((eb) => eb.or([eb('t.expiration', 'is', null), eb('t.expiration', '>', t.time(now))]))
      .where((eb) => eb(eb.fn.coalesce('t.last_used', 't.created'), '<=', t.time(activeBefore)))
      .where(({ eb, not, exists, selectFrom }) => {
        // A warning sent after the last use belongs to this period of idleness.
        let warning = selectFrom('lifecycle_notices as n')
          .select('n.token_id')
          .whereRef('n.token_id', '=', 't.id')
          .where('n.kind', 'like', 'idle_warning:%')
          .where((w) => w('n.sent', '>=', w.fn.coalesce('t.last_used', 't.created')));
        if (warned === false) return not(exists(warning));
        warning = warning.where('n.sent', '<=', t.time(warned));
        return eb.and([exists(warning)]);
      })
      .orderBy('t.id')
      .limit(limit)
      .execute();
    return rows.map((r) => r.id);
  }

  async idleLimitsInUse(): Promise<Array<{ type: TokenType; days: number }>> {
    const rows = await this.db
      .selectFrom('tokens')
      .select(['token_type', 'idle_revoke_days'])
      .where('revoked_at', 'is', null)
      .where('idle_revoke_days', 'is not', null)
      .groupBy(['token_type', 'idle_revoke_days'])
      .orderBy('token_type')
      .orderBy('idle_revoke_days')
      .execute();
    return rows.map((r) => ({ type: r.token_type as TokenType, days: Number(r.idle_revoke_days) }));
  }

  async claimNotice(tokenId: number, kind: string, at: Date): Promise<boolean> {
    const res = await this.db
      .insertInto('lifecycle_notices')
      .values({ token_id: tokenId, kind, sent: this.traits.time(at) })
      .onConflict((oc) => oc.columns(['token_id', 'kind']).doNothing())
      .executeTakeFirst();
    return Number(res.numInsertedOrUpdatedRows ?? 0n) > 0;
  }

  async ownersOf(accountId: number): Promise<number[]> {
    const rows = await this.db.selectFrom('service_account_owners').select('owner_id').where('account_id', '=', accountId).orderBy('owner_id').execute();
    return rows.map((r) => r.owner_id);
  }

  async setOwners(accountId: number, ownerIds: readonly number[]): Promise<void> {
    await atomically(this.db, async (trx) => {
      await trx.deleteFrom('service_account_owners').where('account_id', '=', accountId).execute();
      if (ownerIds.length > 0) {
        await trx.insertInto('service_account_owners').values([...new Set(ownerIds)].map((owner_id) => ({ account_id: accountId, owner_id }))).execute();
      }
    });
  }

  async noticeSent(tokenId: number, kind: string): Promise<Date | undefined> {
    const row = await this.db.selectFrom('lifecycle_notices').select('sent').where('token_id', '=', tokenId).where('kind', '=', kind).executeTakeFirst();
    return row ? toDate(row.sent) : undefined;
  }
}
