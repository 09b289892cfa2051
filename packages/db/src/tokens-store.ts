import {
  DomainError, notFound, type NewAuditEvent, type NewToken, type Token, type TokenAuthRecord, type TokenStore, type TokenType, type TokenUsage,
} from '@gatehouse/core';
import { sql, type Kysely } from 'kysely';
import { auditRow } from './audit-store.js';
import { toBool, toDate, toDateOrNull, type DialectTraits } from './dialect.js';
import { LookupBatcher } from './lookup-batcher.js';
import type { PreparedQueries, PreparedQuery } from './prepared.js';
import { userFromRow, userRef, type UserRow } from './rows.js';
import type { Database } from './schema.js';

/** The token, its user and the user's teams in one statement (one row per team). */
const AUTH_SELECT = `
  SELECT t.id, t.name, t.token_type, t.scim_endpoints_only, t.expiration, t.revoked_at,
         u.id, u.user_id, u.email, u.name, u.user_type, u.role, u.active, u.created, u.created_by_id,
         u.last_login, u.external_id, u.given_name, u.family_name, u.last_modified, g.id, g.name, t.token_hash
    FROM tokens t
    JOIN users u ON u.id = t.user_id
    LEFT JOIN team_members m ON m.user_id = u.id
    LEFT JOIN teams g ON g.id = m.team_id`;
/**
 * The lookups of one event-loop turn in one statement (see LookupBatcher), the hashes passed as
 * one parameter: an array on PostgreSQL, a JSON array on SQLite.
 */
const AUTH_BY_HASHES = {
  postgres: { sql: `${AUTH_SELECT} WHERE t.token_hash = ANY(?::text[]) ORDER BY t.id, g.id`, hashes: (h: string[]) => h },
  sqlite: { sql: `${AUTH_SELECT} WHERE t.token_hash IN (SELECT value FROM json_each(?)) ORDER BY t.id, g.id`, hashes: (h: string[]) => JSON.stringify(h) },
};

/** A row of AUTH_SELECT (one per team of the user), in its column order. */
type AuthRow = [
  tokenId: number, tokenName: string, tokenType: string, scim: number | boolean, expiration: string | Date | null, revokedAt: string | Date | null,
  userId: number, userUserId: string, email: string | null, name: string, userType: string, role: string, active: number | boolean, created: string | Date, createdById: number | null,
  lastLogin: string | Date | null, externalId: string | null, givenName: string | null, familyName: string | null, lastModified: string | Date | null, teamId: number | null, teamName: string | null,
  tokenHash: string,
];

/** The auth record of one token from its rows of AUTH_SELECT (one per team, in team order). */
function authRecordFromRows(rows: readonly AuthRow[]): TokenAuthRecord {
  const r = rows[0]!;
  const teams = rows.filter((x) => x[20] !== null).map((x) => ({ id: x[20]!, name: x[21]! }));
  const user: UserRow = {
    id: r[6], user_id: r[7], email: r[8], name: r[9], user_type: r[10], role: r[11], active: r[12], password_hash: null,
    created: r[13], created_by_id: r[14], last_login: r[15], external_id: r[16], given_name: r[17], family_name: r[18], last_modified: r[19],
  };
  return {
    tokenId: r[0],
    tokenName: r[1],
    type: r[2] as TokenType,
    scimEndpointsOnly: toBool(r[3]),
    expiration: toDateOrNull(r[4]),
    revokedAt: toDateOrNull(r[5]),
    user: userFromRow(user, teams),
  };
}

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
  u_id: number;
  u_user_id: string;
  u_name: string;
  u_type: string;
}

/** Rows written per statement when flushing `last_used` (keeps SQLite write locks short). */
const USAGE_CHUNK = 200;

export class KyselyTokenStore implements TokenStore {
  /** Concurrent cold lookups share a statement (and, on PostgreSQL, a round trip). */
  readonly #authByHash: LookupBatcher<string, TokenAuthRecord>;
  readonly #userRefById: PreparedQuery<[id: number, userId: string, name: string, userType: string]>;

  constructor(
    private readonly db: Kysely<Database>,
    private readonly traits: DialectTraits,
    prepared: PreparedQueries,
  ) {
    this.#userRefById = prepared.prepare('gatehouse_user_ref', 'SELECT id, user_id, name, user_type FROM users WHERE id = ?');
    const byHashes = AUTH_BY_HASHES[traits.name];
    const authRows = prepared.prepare<AuthRow>('gatehouse_auth_by_hashes', byHashes.sql);
    this.#authByHash = new LookupBatcher(async (hashes) => {
      const rowsByHash = new Map<string, AuthRow[]>();
      for (const row of await authRows([byHashes.hashes(hashes)])) {
        const rows = rowsByHash.get(row[22]);
        if (rows) rows.push(row);
        else rowsByHash.set(row[22], [row]);
      }
      const records = new Map<string, TokenAuthRecord>();
      for (const [hash, rows] of rowsByHash) records.set(hash, authRecordFromRows(rows));
      return records;
    });
  }

  #select() {
    return this.db
      .selectFrom('tokens as t')
      .innerJoin('users as u', 'u.id', 't.user_id')
      .select([
        't.id', 't.name', 't.token_type', 't.scim_endpoints_only', 't.expiration', 't.created', 't.created_by_id',
        't.last_used', 't.last_used_ip', 't.revoked_at', 'u.id as u_id', 'u.user_id as u_user_id', 'u.name as u_name',
        'u.user_type as u_type',
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
    user: userRef({ id: r.u_id, user_id: r.u_user_id, name: r.u_name, user_type: r.u_type }),
  });

  async create(t: NewToken, audit?: (tokenId: number) => NewAuditEvent): Promise<Token> {
    try {
      const row = await this.db.transaction().execute(async (trx) => {
        const inserted = await trx
          .insertInto('tokens')
          .values({
            user_id: t.userId,
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
          })
          .returning('id')
          .executeTakeFirstOrThrow();
        if (audit) await trx.insertInto('audit_events').values(auditRow(this.traits, audit(inserted.id))).execute();
        return inserted;
      });
      // The token as stored, without reading it back (a joined select cost a fifth of an issuance).
      const [owner] = await this.#userRefById([t.userId]);
      return {
        id: row.id,
        name: t.name,
        type: t.type,
        scimEndpointsOnly: t.scimEndpointsOnly,
        expiration: t.expiration,
        created: t.created,
        createdById: t.createdById,
        lastUsed: null,
        lastUsedIp: null,
        revokedAt: null,
        user: userRef({ id: owner![0], user_id: owner![1], name: owner![2], user_type: owner![3] }),
      };
    } catch (e) {
      if (this.traits.isUniqueViolation(e)) {
        throw new DomainError('NAME_TAKEN', 'A token with this name already exists for this user', 'name');
      }
      throw e;
    }
  }

  async findById(id: number): Promise<Token | undefined> {
    const r = await this.#select().where('t.id', '=', id).executeTakeFirst();
    return r ? this.#map(r) : undefined;
  }

  findAuthRecordByHash(tokenHash: string): Promise<TokenAuthRecord | undefined> {
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

  async setRevoked(id: number, at: Date | null): Promise<Token> {
    const r = await this.db
      .updateTable('tokens')
      .set({ revoked_at: at ? this.traits.time(at) : null })
      .where('id', '=', id)
      .executeTakeFirst();
    return this.#updated(id, r.numUpdatedRows);
  }

  async rename(id: number, name: string): Promise<Token> {
    try {
      const r = await this.db.updateTable('tokens').set({ name }).where('id', '=', id).executeTakeFirst();
      return await this.#updated(id, r.numUpdatedRows);
    } catch (e) {
      if (this.traits.isUniqueViolation(e)) throw new DomainError('NAME_TAKEN', 'A token with this name already exists for this user', 'name');
      throw e;
    }
  }

  async replaceSecret(id: number, s: { tokenHash: string; jti: string; kid: string; expiration: Date | null }): Promise<Token> {
    const r = await this.db
      .updateTable('tokens')
      .set({ token_hash: s.tokenHash, jti: s.jti, kid: s.kid, expiration: s.expiration ? this.traits.time(s.expiration) : null })
      .where('id', '=', id)
      .executeTakeFirst();
    return this.#updated(id, r.numUpdatedRows);
  }

  async delete(id: number): Promise<void> {
    await this.db.deleteFrom('tokens').where('id', '=', id).execute();
  }

  async revokeAllOfUser(userId: number, at: Date): Promise<number[]> {
    const rows = await this.db
      .updateTable('tokens')
      .set({ revoked_at: this.traits.time(at) })
      .where('user_id', '=', userId)
      .where('revoked_at', 'is', null)
      .returning('id')
      .execute();
    return rows.map((r) => r.id).sort((a, b) => a - b);
  }

  async recordUsage(batch: readonly TokenUsage[]): Promise<void> {
    const sorted = [...batch].sort((a, b) => a.tokenId - b.tokenId);
    for (let i = 0; i < sorted.length; i += USAGE_CHUNK) {
      const chunk = sorted.slice(i, i + USAGE_CHUNK);
      // One statement per chunk: a VALUES list joined on id, in id order, never moving time back.
      const values = sql.join(
        chunk.map((u) => sql`(${u.tokenId}, ${this.traits.time(u.at)}, ${u.ip})`),
      );
      if (this.traits.name === 'postgres') {
        await sql`UPDATE tokens AS t SET last_used = v.at::timestamptz, last_used_ip = COALESCE(v.ip, t.last_used_ip)
          FROM (VALUES ${values}) AS v(id, at, ip)
          WHERE t.id = v.id::integer AND (t.last_used IS NULL OR t.last_used < v.at::timestamptz)`.execute(this.db);
      } else {
        // UPDATE … FROM (SQLite ≥ 3.33): one primary-key probe per row of the batch.
        await sql`UPDATE tokens SET last_used = v.at, last_used_ip = COALESCE(v.ip, tokens.last_used_ip)
          FROM (SELECT column1 AS id, column2 AS at, column3 AS ip FROM (VALUES ${values})) AS v
          WHERE tokens.id = v.id AND (tokens.last_used IS NULL OR tokens.last_used < v.at)`.execute(this.db);
      }
    }
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
