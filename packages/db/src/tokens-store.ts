import {
  DomainError, notFound, type NewToken, type NewTokenRecord, type Revocation, type RevokeReason, type Token, type TokenAuthRecord, type TokenPatch,
  type TokenStore, type TokenType, type TokenUsage,
} from '@gatehouse/core';
import { sql, type Kysely } from 'kysely';
import { auditRow } from './audit-store.js';
import { enqueueOn, fanOut } from './outbox.js';
import { toBool, toDate, toDateOrNull, type DialectTraits } from './dialect.js';
import { LookupBatcher } from './lookup-batcher.js';
import { atomically, insertRow, type PreparedQueries } from './prepared.js';
import { userRef } from './rows.js';
import type { Database } from './schema.js';

/**
 * What authentication reads of a token: the token alone. Its user comes from the users store
 * and is cached per user by the authenticator, so that a never-seen token costs one index seek,
 * not a join over the user and their teams (the many tokens of a service account share a user).
 */
const AUTH_SELECT = `
  SELECT t.id, t.name, t.token_type, t.scim_endpoints_only, t.expiration, t.revoked_at, t.user_id, t.token_hash
    FROM tokens t`;
/**
 * A previous secret during a rotation's grace period (SPEC §9) authenticates as its token, with
 * the grace period's end as its expiration (or the token's, if sooner): the same checks, and the
 * cache keeps it no longer than that. Its own partial index keeps the probe cheap.
 */
const PREVIOUS_SELECT = `
  SELECT t.id, t.name, t.token_type, t.scim_endpoints_only,
         CASE WHEN t.expiration IS NULL OR t.expiration > t.previous_secret_expires_at THEN t.previous_secret_expires_at ELSE t.expiration END,
         t.revoked_at, t.user_id, t.previous_token_hash
    FROM tokens t`;
/**
 * The lookups of one event-loop turn in one statement (see LookupBatcher), the hashes passed as
 * one parameter: an array on PostgreSQL, a JSON array on SQLite.
 */
const AUTH_BY_HASHES = {
  postgres: {
    sql: `${AUTH_SELECT} WHERE t.token_hash = ANY(?::text[]) UNION ALL ${PREVIOUS_SELECT} WHERE t.previous_token_hash = ANY(?::text[])`,
    hashes: (h: string[]) => h,
  },
  sqlite: {
    sql: `${AUTH_SELECT} WHERE t.token_hash IN (SELECT value FROM json_each(?))
      UNION ALL ${PREVIOUS_SELECT} WHERE t.previous_token_hash IN (SELECT value FROM json_each(?))`,
    hashes: (h: string[]) => JSON.stringify(h),
  },
};

/** A row of AUTH_SELECT, in its column order. */
type AuthRow = [
  tokenId: number, tokenName: string, tokenType: string, scim: number | boolean, expiration: string | Date | null, revokedAt: string | Date | null,
  userId: number, tokenHash: string,
];

const authRecordFromRow = (r: AuthRow): TokenAuthRecord => ({
  tokenId: r[0],
  tokenName: r[1],
  type: r[2] as TokenType,
  scimEndpointsOnly: toBool(r[3]),
  expiration: toDateOrNull(r[4]),
  revokedAt: toDateOrNull(r[5]),
  userId: r[6],
});

interface TokenRow {
  id: number;
  name: string;
  token_type: string;
  scim_endpoints_only: number | boolean;
  expiration: string | Date | null;
  created: string | Date;
  created_by_id: number | null;
  last_used: string | Date | null;
  last_used_ip: string | null;
  revoked_at: string | Date | null;
  revoked_by_id: number | null;
  revoke_reason: string | null;
  u_id: number;
  u_user_id: string;
  u_name: string;
  u_type: string;
  previous_secret_expires_at?: string | Date | null;
}

/** Rows written per statement (per transaction on SQLite) when flushing `last_used`: short write locks. */
const USAGE_CHUNK = 200;
/**
 * `last_used` writes, to the second (the API's precision), never moving time back. SQLite: one
 * prepared UPDATE per token in one transaction (PreparedQueries.writeTransaction). PostgreSQL:
 * one prepared statement per chunk, the chunk as one JSON parameter of [id, epoch second, ip]
 * rows (a VALUES list through the query builder cost the node twice as much per row, and
 * PostgreSQL a parse and plan per statement; objects with ISO times, from a Date per row, cost the
 * node 3–4 times as much as these arrays).
 */
const USAGE_UPDATE = {
  sqlite: `UPDATE tokens SET last_used = ?, last_used_ip = COALESCE(?, last_used_ip)
    WHERE id = ? AND (last_used IS NULL OR last_used < ?)`,
  postgres: `UPDATE tokens AS t SET last_used = v.at, last_used_ip = COALESCE(v.ip, t.last_used_ip)
    FROM (SELECT (e->>0)::integer AS id, to_timestamp((e->>1)::bigint) AS at, e->>2 AS ip FROM json_array_elements(?::json) AS e) AS v
    WHERE t.id = v.id AND (t.last_used IS NULL OR t.last_used < v.at)`,
};

/** SQLite's text of each second in a batch, made once per second (the uses of a flush share a few). */
function secondsAsText(): (atMs: number) => string {
  let second = NaN;
  let text = '';
  return (atMs) => {
    const s = Math.floor(atMs / 1000);
    if (s !== second) {
      second = s;
      text = new Date(s * 1000).toISOString();
    }
    return text;
  };
}

export class KyselyTokenStore implements TokenStore {
  /** Concurrent cold lookups share a statement (and, on PostgreSQL, a round trip). */
  readonly #authByHash: LookupBatcher<string, TokenAuthRecord> | null = null;
  readonly #writeTransaction: PreparedQueries['writeTransaction'];
  /** Writes one chunk of `last_used` (a prepared statement of the dialect: see USAGE_UPDATE). */
  readonly #writeUsage: ((chunk: readonly TokenUsage[]) => Promise<void>) | null = null;

  /**
   * @param prepared the root store's prepared statements; null inside a transaction, where
   * authentication's reads and the `last_used` writes are not offered (StoreTransaction).
   */
  constructor(
    private readonly db: Kysely<Database>,
    private readonly traits: DialectTraits,
    prepared: PreparedQueries | null,
  ) {
    if (!prepared) return;
    const writeTransaction = (this.#writeTransaction = prepared.writeTransaction?.bind(prepared));
    if (writeTransaction) {
      this.#writeUsage = async (chunk) => {
        const text = secondsAsText();
        const written = writeTransaction((run) => {
          for (const u of chunk) {
            const at = text(u.atMs);
            run(USAGE_UPDATE.sqlite, [at, u.ip, u.tokenId, at]);
          }
          return true;
        });
        if (written === undefined) throw new Error('the SQLite connection is inside a transaction; last_used will be written later');
        // Synchronous: let waiting requests through before the next chunk.
        await new Promise((resolve) => setImmediate(resolve));
      };
    } else {
      const update = prepared.prepare('gatehouse_usage', USAGE_UPDATE.postgres);
      this.#writeUsage = async (chunk) => {
        await update([JSON.stringify(chunk.map((u) => [u.tokenId, Math.floor(u.atMs / 1000), u.ip]))]);
      };
    }
    const byHashes = AUTH_BY_HASHES[traits.name];
    const authRows = prepared.prepare<AuthRow>('gatehouse_auth_by_hashes', byHashes.sql);
    this.#authByHash = new LookupBatcher(async (hashes) => {
      const records = new Map<string, TokenAuthRecord>();
      const param = byHashes.hashes(hashes);
      for (const row of await authRows([param, param])) records.set(row[7], authRecordFromRow(row));
      return records;
    });
  }

  #select() {
    return this.db
      .selectFrom('tokens as t')
      .innerJoin('users as u', 'u.id', 't.user_id')
      .select([
        't.id', 't.name', 't.token_type', 't.scim_endpoints_only', 't.expiration', 't.created', 't.created_by_id',
        't.last_used', 't.last_used_ip', 't.revoked_at', 't.revoked_by_id', 't.revoke_reason', 'u.id as u_id', 'u.user_id as u_user_id', 'u.name as u_name',
        'u.user_type as u_type', 't.previous_secret_expires_at',
      ]);
  }

  #map = (r: TokenRow): Token => ({
    id: r.id,
    name: r.name,
    type: r.token_type as TokenType,
    scimEndpointsOnly: toBool(r.scim_endpoints_only),
    expiration: toDateOrNull(r.expiration),
    created: toDate(r.created),
    createdById: r.created_by_id,
    lastUsed: toDateOrNull(r.last_used),
    lastUsedIp: r.last_used_ip,
    revokedAt: toDateOrNull(r.revoked_at),
    revokedById: r.revoked_by_id,
    revokeReason: r.revoke_reason as RevokeReason | null,
    user: userRef({ id: r.u_id, user_id: r.u_user_id, name: r.u_name, user_type: r.u_type }),
    previousSecretExpiresAt: toDateOrNull(r.previous_secret_expires_at ?? null),
  });

  async create(t: NewToken, record?: (tokenId: number) => NewTokenRecord): Promise<Token> {
    try {
      const id = this.#insertPrepared(t, record) ?? (await this.#insertThroughBuilder(t, record));
      // The token as stored, without reading it back.
      return {
        id,
        name: t.name,
        type: t.type,
        scimEndpointsOnly: t.scimEndpointsOnly,
        expiration: t.expiration,
        created: t.created,
        createdById: t.createdById,
        lastUsed: null,
        lastUsedIp: null,
        revokedAt: null,
        revokedById: null,
        revokeReason: null,
        user: t.owner,
        previousSecretExpiresAt: null,
      };
    } catch (e) {
      if (this.traits.isUniqueViolation(e)) {
        throw new DomainError('NAME_TAKEN', 'A token with this name already exists for this user', 'name');
      }
      throw e;
    }
  }

  /** The row of a new token, for both paths of create(). */
  #tokenRow(t: NewToken) {
    return {
      user_id: t.owner.id,
      name: t.name,
      token_type: t.type,
      scim_endpoints_only: this.traits.bool(t.scimEndpointsOnly),
      expiration: t.expiration ? this.traits.time(t.expiration) : null,
      created: this.traits.time(t.created),
      created_by_id: t.createdById,
      last_used: null,
      last_used_ip: null,
      revoked_at: null,
      token_hash: t.tokenHash,
      jti: t.jti,
      kid: t.kid,
      revoked_by_id: null,
      revoke_reason: null,
    };
  }

  /** SQLite: the token, its audit event and its outbox entries in one transaction of prepared statements (undefined elsewhere). */
  #insertPrepared(t: NewToken, record?: (tokenId: number) => NewTokenRecord): number | undefined {
    return this.#writeTransaction?.((run) => {
      const id = run(...insertRow('tokens', this.#tokenRow(t)));
      if (record) {
        const { audit, events = [] } = record(id);
        run(...insertRow('audit_events', auditRow(this.traits, audit)));
        for (const e of events) run(...fanOut(this.traits, e, t.created));
      }
      return id;
    });
  }

  async #insertThroughBuilder(t: NewToken, record?: (tokenId: number) => NewTokenRecord): Promise<number> {
    const row = await atomically(this.db, async (trx) => {
      const inserted = await trx.insertInto('tokens').values(this.#tokenRow(t)).returning('id').executeTakeFirstOrThrow();
      if (record) {
        const { audit, events = [] } = record(inserted.id);
        await trx.insertInto('audit_events').values(auditRow(this.traits, audit)).execute();
        await enqueueOn(trx, this.traits, events, t.created);
      }
      return inserted;
    });
    return row.id;
  }

  async findById(id: number): Promise<Token | undefined> {
    const r = await this.#select().where('t.id', '=', id).executeTakeFirst();
    return r ? this.#map(r) : undefined;
  }

  findAuthRecordByHash(tokenHash: string): Promise<TokenAuthRecord | undefined> {
    if (!this.#authByHash) throw new Error('authentication reads the root store, not a transaction');
    return this.#authByHash.load(tokenHash);
  }

  async listByUser(userId: number): Promise<Token[]> {
    return (await this.#select().where('t.user_id', '=', userId).orderBy('t.id').execute()).map(this.#map);
  }

  async listService(filter: { userId?: number }): Promise<Token[]> {
    let q = this.#select().where('t.token_type', '=', 'Service');
    if (filter.userId !== undefined) q = q.where('t.user_id', '=', filter.userId);
    return (await q.orderBy('t.id').execute()).map(this.#map);
  }

  async #updated(id: number, numUpdated: bigint): Promise<Token> {
    const token = Number(numUpdated) > 0 ? await this.findById(id) : undefined;
    if (!token) throw notFound('Token');
    return token;
  }

  #revocationSet(r: Revocation | null) {
    return r
      ? { revoked_at: this.traits.time(r.at), revoked_by_id: r.byId, revoke_reason: r.reason }
      : { revoked_at: null, revoked_by_id: null, revoke_reason: null };
  }

  async update(id: number, patch: TokenPatch): Promise<Token> {
    const set = {
      ...(patch.name !== undefined ? { name: patch.name } : {}),
      ...(patch.revocation !== undefined ? this.#revocationSet(patch.revocation) : {}),
    };
    if (Object.keys(set).length === 0) return this.#updated(id, 1n);
    try {
      const r = await this.db.updateTable('tokens').set(set).where('id', '=', id).executeTakeFirst();
      return await this.#updated(id, r.numUpdatedRows);
    } catch (e) {
      if (this.traits.isUniqueViolation(e)) throw new DomainError('NAME_TAKEN', 'A token with this name already exists for this user', 'name');
      throw e;
    }
  }

  async replaceSecret(id: number, s: { tokenHash: string; jti: string; kid: string; expiration: Date | null; previousUntil?: Date | null }): Promise<Token> {
    const keep = s.previousUntil ?? null;
    const r = await this.db
      .updateTable('tokens')
      .set({
        // The right-hand side reads the row as it was: the secret being replaced.
        previous_token_hash: keep ? sql<string>`token_hash` : null,
        previous_secret_expires_at: keep ? this.traits.time(keep) : null,
        token_hash: s.tokenHash, jti: s.jti, kid: s.kid, expiration: s.expiration ? this.traits.time(s.expiration) : null,
      })
      .where('id', '=', id)
      .executeTakeFirst();
    return this.#updated(id, r.numUpdatedRows);
  }

  async delete(id: number): Promise<void> {
    await this.db.deleteFrom('tokens').where('id', '=', id).execute();
  }

  async revokeAllOfUser(userId: number, revocation: Revocation): Promise<number[]> {
    const rows = await this.db
      .updateTable('tokens')
      .set(this.#revocationSet(revocation))
      .where('user_id', '=', userId)
      .where('revoked_at', 'is', null)
      .returning('id')
      .execute();
    return rows.map((r) => r.id).sort((a, b) => a - b);
  }

  async recordUsage(batch: readonly TokenUsage[]): Promise<void> {
    if (!this.#writeUsage) throw new Error('last_used is written through the root store, not a transaction');
    const sorted = [...batch].sort((a, b) => a.tokenId - b.tokenId);
    for (let i = 0; i < sorted.length; i += USAGE_CHUNK) await this.#writeUsage(sorted.slice(i, i + USAGE_CHUNK));
  }

  async countByState(now: Date): Promise<{ active: number; revoked: number; expired: number }> {
    const t = this.traits.time(now);
    const r = await this.db
      .selectFrom('tokens')
      .select((eb) => [
        eb.fn.sum<number>(eb.case().when('revoked_at', 'is not', null).then(1).else(0).end()).as('revoked'),
        eb.fn
          .sum<number>(eb.case().when(eb.and([eb('revoked_at', 'is', null), eb('expiration', '<=', t)])).then(1).else(0).end())
          .as('expired'),
        eb.fn.countAll<number>().as('all'),
      ])
      .executeTakeFirstOrThrow();
    const revoked = Number(r.revoked ?? 0);
    const expired = Number(r.expired ?? 0);
    return { revoked, expired, active: Number(r.all) - revoked - expired };
  }
}
