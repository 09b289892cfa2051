import {
  DomainError, notFound, type ListPage, type NewAuditEvent, type NewToken, type NewTokenRecord, type Revocation, type RevokeReason, type Token, type TokenAuthRecord,
  type Scope, type TokenPatch, type TokenClient, type TokenQuery, type TokenStore, type TokenType, type TokenUsage, type TokenUsageReport, type UsageSummary,
} from '@gatehouse/core';
import { sql, type Kysely } from 'kysely';
import { auditRow } from './audit-store.js';
import { enqueueOn, fanOut } from './outbox.js';
import { toBool, toDate, toDateOrNull, type DialectTraits } from './dialect.js';
import { keysetPage, type KeysetOrder } from './keyset.js';
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
  SELECT t.id, t.name, t.token_type, t.scim_endpoints_only, t.expiration, t.revoked_at, t.user_id, t.token_hash, t.scopes, t.allowed_ips
    FROM tokens t`;
/**
 * A previous secret during a rotation's grace period (SPEC §9) authenticates as its token, with
 * the grace period's end as its expiration (or the token's, if sooner): the same checks, and the
 * cache keeps it no longer than that, and the token's scopes and IP allowlist. Its own partial
 * index keeps the probe cheap.
 */
const PREVIOUS_SELECT = `
  SELECT t.id, t.name, t.token_type, t.scim_endpoints_only,
         CASE WHEN t.expiration IS NULL OR t.expiration > t.previous_secret_expires_at THEN t.previous_secret_expires_at ELSE t.expiration END,
         t.revoked_at, t.user_id, t.previous_token_hash, t.scopes, t.allowed_ips
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
  userId: number, tokenHash: string, scopes: string | null, allowedIps: string | null,
];

/** The columns' text forms of a token's restrictions (null = unrestricted). */
const scopesFromText = (s: string | null): Scope[] | null => (s === null ? null : (s.split(' ') as Scope[]));
const ipsFromText = (s: string | null): string[] | null => (s === null ? null : s.split(','));
const scopesToText = (s: readonly Scope[] | null | undefined): string | null => (s ? s.join(' ') : null);
const ipsToText = (s: readonly string[] | null | undefined): string | null => (s ? s.join(',') : null);

const authRecordFromRow = (r: AuthRow): TokenAuthRecord => ({
  tokenId: r[0],
  tokenName: r[1],
  type: r[2] as TokenType,
  scimEndpointsOnly: toBool(r[3]),
  expiration: toDateOrNull(r[4]),
  revokedAt: toDateOrNull(r[5]),
  userId: r[6],
  scopes: scopesFromText(r[8]),
  allowedIps: ipsFromText(r[9]),
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
  scopes: string | null;
  allowed_ips: string | null;
  u_id: number;
  u_user_id: string;
  u_name: string;
  u_type: string;
  previous_secret_expires_at?: string | Date | null;
  idle_revoke_days?: number | null;
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

/**
 * The request counts of a flush (SPEC §10), beside `last_used`: requests per token and UTC day,
 * and per token and client (ip + user agent, '' when unknown), added to what is stored. A
 * client a token never had before also writes a `token.new_ip` audit event and its webhook
 * deliveries (the outbox, in the flush's transaction; one message id per endpoint, made by the
 * database), decided by the insert itself, so that two nodes seeing the same new client write
 * them once. They go out with the next delivery round (GATEHOUSE_SCHEDULER_INTERVAL_MS). Rows of a token
 * deleted since its use are skipped (its use no longer matters; a failed write would retry).
 *
 * SQLite: per row, in the flush's transaction (the write lock serialises the check and the
 * insert). PostgreSQL: one statement per chunk, whose client insert reports which rows are new
 * (`xmax = 0`: inserted, not updated on conflict), with the chunk as three JSON parameters.
 */
/** A timestamptz as the API writes times (ISO 8601, milliseconds, Z), inside PostgreSQL. */
const ISO = (column: string) => `to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;

const COUNTS = {
  sqlite: {
    daily: `INSERT INTO token_usage_daily (token_id, day, requests) SELECT id, ?, ? FROM tokens WHERE id = ?
      ON CONFLICT (token_id, day) DO UPDATE SET requests = requests + excluded.requests`,
    newClient: `INSERT INTO audit_events (at, actor_user_id, actor_token_id, action, target_type, target_id, ip, user_agent, outcome, details)
      SELECT ?, t.user_id, t.id, 'token.new_ip', 'token', CAST(t.id AS TEXT), NULLIF(?, ''), NULLIF(?, ''), 'success', json_object('name', t.name)
        FROM tokens t WHERE t.id = ? AND NOT EXISTS (SELECT 1 FROM token_clients c WHERE c.token_id = t.id AND c.ip = ? AND c.user_agent = ?)`,
    newClientEvent: `INSERT INTO webhook_deliveries (endpoint_id, message_id, event_type, payload, status, attempts, next_attempt_at, created)
      SELECT e.id, 'msg_' || lower(hex(randomblob(16))), 'token.new_ip',
             json_object('type', 'token.new_ip', 'timestamp', ?, 'data', json_object(
               'token', json_object('id', t.id, 'name', t.name, 'type', t.token_type, 'expiration', t.expiration, 'last_used', t.last_used),
               'user', json_object('id', u.id, 'user_id', u.user_id), 'ip', NULLIF(?, ''), 'user_agent', NULLIF(?, ''), 'first_seen', ?)),
             'pending', 0, ?, ?
        FROM tokens t JOIN users u ON u.id = t.user_id
        JOIN webhook_endpoints e ON e.active = 1 AND (e.events LIKE '%"*"%' OR e.events LIKE '%"token.new_ip"%')
       WHERE t.id = ? AND NOT EXISTS (SELECT 1 FROM token_clients c WHERE c.token_id = t.id AND c.ip = ? AND c.user_agent = ?)`,
    client: `INSERT INTO token_clients (token_id, ip, user_agent, first_seen, last_seen, requests) SELECT id, ?, ?, ?, ?, ? FROM tokens WHERE id = ?
      ON CONFLICT (token_id, ip, user_agent) DO UPDATE SET first_seen = min(first_seen, excluded.first_seen),
        last_seen = max(last_seen, excluded.last_seen), requests = requests + excluded.requests`,
  },
  postgres: `WITH used AS (
      UPDATE tokens AS t SET last_used = v.at, last_used_ip = COALESCE(v.ip, t.last_used_ip)
        FROM (SELECT (e->>0)::integer AS id, to_timestamp((e->>1)::bigint) AS at, e->>2 AS ip FROM json_array_elements(?::json) AS e) AS v
       WHERE t.id = v.id AND (t.last_used IS NULL OR t.last_used < v.at)
      RETURNING t.id
    ), days AS (
      INSERT INTO token_usage_daily AS d (token_id, day, requests)
      SELECT t.id, e->>1, (e->>2)::bigint FROM json_array_elements(?::json) AS e JOIN tokens t ON t.id = (e->>0)::integer
       ORDER BY 1, 2
      ON CONFLICT (token_id, day) DO UPDATE SET requests = d.requests + excluded.requests
      RETURNING d.token_id
    ), clients AS (
      INSERT INTO token_clients AS c (token_id, ip, user_agent, first_seen, last_seen, requests)
      SELECT t.id, e->>1, e->>2, to_timestamp((e->>3)::bigint / 1000.0), to_timestamp((e->>4)::bigint / 1000.0), (e->>5)::bigint
        FROM json_array_elements(?::json) AS e JOIN tokens t ON t.id = (e->>0)::integer
       ORDER BY 1, 2, 3
      ON CONFLICT (token_id, ip, user_agent) DO UPDATE SET first_seen = LEAST(c.first_seen, excluded.first_seen),
        last_seen = GREATEST(c.last_seen, excluded.last_seen), requests = c.requests + excluded.requests
      RETURNING c.token_id, c.ip, c.user_agent, c.first_seen, c.last_seen, (c.xmax::text = '0') AS inserted
    ), audits AS (
      INSERT INTO audit_events (at, actor_user_id, actor_token_id, action, target_type, target_id, ip, user_agent, outcome, details)
      SELECT n.first_seen, t.user_id, t.id, 'token.new_ip', 'token', t.id::text, NULLIF(n.ip, ''), NULLIF(n.user_agent, ''), 'success',
             json_build_object('name', t.name)::text
        FROM clients n JOIN tokens t ON t.id = n.token_id
       WHERE n.inserted
       ORDER BY n.token_id, n.ip, n.user_agent
    )
    -- token.new_ip webhooks (the outbox). \`tokens t\` reads the rows as before this statement's own
    -- last_used update (one snapshot for the whole statement): its last use is taken from the client.
    INSERT INTO webhook_deliveries (endpoint_id, message_id, event_type, payload, status, attempts, next_attempt_at, created)
    SELECT e.id, 'msg_' || replace(gen_random_uuid()::text, '-', ''), 'token.new_ip',
           json_build_object('type', 'token.new_ip', 'timestamp', ${ISO('n.first_seen')}, 'data', json_build_object(
             'token', json_build_object('id', t.id, 'name', t.name, 'type', t.token_type, 'expiration', ${ISO('t.expiration')}, 'last_used', ${ISO("GREATEST(t.last_used, date_trunc('second', n.last_seen))")}),
             'user', json_build_object('id', u.id, 'user_id', u.user_id), 'ip', NULLIF(n.ip, ''), 'user_agent', NULLIF(n.user_agent, ''),
             'first_seen', ${ISO('n.first_seen')}))::text,
           'pending', 0, n.first_seen, n.first_seen
      FROM clients n JOIN tokens t ON t.id = n.token_id JOIN users u ON u.id = t.user_id
      JOIN webhook_endpoints e ON e.active AND (e.events LIKE '%"*"%' OR e.events LIKE '%"token.new_ip"%')
     WHERE n.inserted
     ORDER BY n.token_id, n.ip, n.user_agent, e.id`,
};

const DAY_MS = 86_400_000;

/** YYYY-MM-DD of a UTC day given as days since 1970-01-01. */
export const dayText = (day: number): string => new Date(day * DAY_MS).toISOString().slice(0, 10);

/** A token's counts of one flush, summed per day and per client (a client may span two days). */
function countsOf(u: TokenUsage): {
  days: Map<number, number>;
  clients: Map<string, { ip: string; userAgent: string; firstMs: number; lastMs: number; requests: number }>;
} {
  const days = new Map<number, number>();
  const clients = new Map<string, { ip: string; userAgent: string; firstMs: number; lastMs: number; requests: number }>();
  for (const c of u.clients) {
    days.set(c.day, (days.get(c.day) ?? 0) + c.requests);
    const ip = c.ip ?? '';
    const userAgent = c.userAgent ?? '';
    const key = `${ip}\n${userAgent}`;
    const seen = clients.get(key);
    if (seen) {
      seen.firstMs = Math.min(seen.firstMs, c.firstMs);
      seen.lastMs = Math.max(seen.lastMs, c.lastMs);
      seen.requests += c.requests;
    } else {
      clients.set(key, { ip, userAgent, firstMs: c.firstMs, lastMs: c.lastMs, requests: c.requests });
    }
  }
  return { days, clients };
}

const clientOf = (r: { ip: string; user_agent: string; first_seen: string | Date; last_seen: string | Date; requests: number | string }): TokenClient => ({
  ip: r.ip === '' ? null : r.ip,
  userAgent: r.user_agent === '' ? null : r.user_agent,
  firstSeen: toDate(r.first_seen),
  lastSeen: toDate(r.last_seen),
  requests: Number(r.requests),
});

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
            if (u.clients.length === 0) continue;
            const { days, clients } = countsOf(u);
            for (const [day, requests] of days) run(COUNTS.sqlite.daily, [dayText(day), requests, u.tokenId]);
            for (const c of clients.values()) {
              const first = traits.time(new Date(c.firstMs));
              run(COUNTS.sqlite.newClient, [first, c.ip, c.userAgent, u.tokenId, c.ip, c.userAgent]);
              run(COUNTS.sqlite.newClientEvent, [first, c.ip, c.userAgent, first, first, first, u.tokenId, c.ip, c.userAgent]);
              run(COUNTS.sqlite.client, [c.ip, c.userAgent, first, traits.time(new Date(c.lastMs)), c.requests, u.tokenId]);
            }
          }
          return true;
        });
        if (written === undefined) throw new Error('the SQLite connection is inside a transaction; last_used will be written later');
        // Synchronous: let waiting requests through before the next chunk.
        await new Promise((resolve) => setImmediate(resolve));
      };
    } else {
      const update = prepared.prepare('gatehouse_usage', USAGE_UPDATE.postgres);
      const updateAndCount = prepared.prepare('gatehouse_usage_counts', COUNTS.postgres);
      this.#writeUsage = async (chunk) => {
        const used = JSON.stringify(chunk.map((u) => [u.tokenId, Math.floor(u.atMs / 1000), u.ip]));
        const daily: [number, string, number][] = [];
        const clients: [number, string, string, number, number, number][] = [];
        for (const u of chunk) {
          if (u.clients.length === 0) continue;
          const counts = countsOf(u);
          for (const [day, requests] of counts.days) daily.push([u.tokenId, dayText(day), requests]);
          for (const c of counts.clients.values()) clients.push([u.tokenId, c.ip, c.userAgent, c.firstMs, c.lastMs, c.requests]);
        }
        if (daily.length === 0) await update([used]);
        else await updateAndCount([used, JSON.stringify(daily), JSON.stringify(clients)]);
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
    return this.#columns(this.db.selectFrom('tokens as t').innerJoin('users as u', 'u.id', 't.user_id'));
  }

  /** The columns of a Token (TokenRow), from `tokens as t` joined with its `users as u`. */
  #columns(q: any) {
    return q.select([
      't.id', 't.name', 't.token_type', 't.scim_endpoints_only', 't.expiration', 't.created', 't.created_by_id',
      't.last_used', 't.last_used_ip', 't.revoked_at', 't.revoked_by_id', 't.revoke_reason', 't.scopes', 't.allowed_ips', 'u.id as u_id', 'u.user_id as u_user_id', 'u.name as u_name',
      'u.user_type as u_type', 't.previous_secret_expires_at', 't.idle_revoke_days',
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
    scopes: scopesFromText(r.scopes),
    allowedIps: ipsFromText(r.allowed_ips),
    previousSecretExpiresAt: toDateOrNull(r.previous_secret_expires_at ?? null),
    idleRevokeDays: r.idle_revoke_days ?? null,
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
        scopes: t.scopes ?? null,
        allowedIps: t.allowedIps ?? null,
        previousSecretExpiresAt: null,
        idleRevokeDays: t.idleRevokeDays ?? null,
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
      scopes: scopesToText(t.scopes),
      allowed_ips: ipsToText(t.allowedIps),
      idle_revoke_days: t.idleRevokeDays ?? null,
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

  async list(q: TokenQuery): Promise<ListPage<Token>> {
    let base = this.db.selectFrom('tokens as t');
    const scope = q.scope;
    if ('ownOrServiceOf' in scope) {
      // Nearly every token matches: the plan is the order's index, filtered as it is read, not
      // the user and type indexes merged into a set sorted whole (300 ms at 50,000 rows on SQLite).
      const [type, owner] = [this.traits.unindexed('t.token_type'), this.traits.unindexed('t.user_id')];
      base = base.where(sql<boolean>`(${type} = 'Service' or ${owner} = ${scope.ownOrServiceOf})`);
    } else {
      // Every service token in id order (the streamed arrays): the primary key's range, filtered
      // as read, not the type index's million entries sorted by id.
      const byIdOnly = q.sort?.by === 'id' && scope.ownerId === undefined;
      if ('service' in scope) base = base.where(sql<boolean>`${byIdOnly ? this.traits.unindexed('t.token_type') : sql.ref('t.token_type')} = 'Service'`);
      if (scope.ownerId !== undefined) base = base.where('t.user_id', '=', scope.ownerId);
    }
    const name = this.traits.folded('t.name');
    if (q.search) {
      // A prefix is the range [prefix, prefix + the last code point) of the folded name.
      base = base.where(sql<boolean>`${name} >= lower(${q.search}) and ${name} < lower(${q.search}) || ${'\u{10FFFF}'}`);
    }
    const sort = q.sort ?? { by: 'created', desc: true };
    const order: KeysetOrder = {
      key: sort.by === 'id' ? null : sort.by === 'name' ? name : sql.ref('t.created'),
      id: sql.ref('t.id'),
      desc: sort.desc,
    };
    return keysetPage(this.db, base, (b) => this.#columns(b.innerJoin('users as u', 'u.id', 't.user_id')), order, q, (r: TokenRow) => r.id, (rows) => rows.map(this.#map));
  }

  async listAll(): Promise<Token[]> {
    return (await this.#select().orderBy('t.id').execute()).map(this.#map);
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
      ...(patch.allowedIps !== undefined ? { allowed_ips: ipsToText(patch.allowedIps) } : {}),
      ...(patch.idleRevokeDays !== undefined ? { idle_revoke_days: patch.idleRevokeDays } : {}),
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

  async usageOf(tokenId: number, sinceDay: string, clientLimit: number): Promise<TokenUsageReport> {
    const [daily, clients] = await Promise.all([
      this.db.selectFrom('token_usage_daily').select(['day', 'requests']).where('token_id', '=', tokenId).where('day', '>=', sinceDay).orderBy('day').execute(),
      this.db
        .selectFrom('token_clients')
        .select(['ip', 'user_agent', 'first_seen', 'last_seen', 'requests'])
        .where('token_id', '=', tokenId)
        .orderBy('last_seen', 'desc')
        .orderBy('ip')
        .orderBy('user_agent')
        .limit(clientLimit)
        .execute(),
    ]);
    return { daily: daily.map((d) => ({ date: d.day, requests: Number(d.requests) })), clients: clients.map(clientOf) };
  }

  async usageSummary(tokenIds: readonly number[], sinceDay: string, since: Date): Promise<UsageSummary> {
    if (tokenIds.length === 0) return { requests: 0, clients: [], perToken: new Map() };
    const ids = [...tokenIds];
    const [perToken, clients] = await Promise.all([
      this.db
        .selectFrom('token_usage_daily')
        .select((eb) => ['token_id', eb.fn.sum<number | string>('requests').as('n')])
        .where('token_id', 'in', ids)
        .where('day', '>=', sinceDay)
        .groupBy('token_id')
        .execute(),
      this.db
        .selectFrom('token_clients')
        .select((eb) => [
          'ip', 'user_agent', eb.fn.min('first_seen').as('first_seen'), eb.fn.max('last_seen').as('last_seen'), eb.fn.sum<number | string>('requests').as('requests'),
        ])
        .where('token_id', 'in', ids)
        .where('last_seen', '>=', this.traits.time(since))
        .groupBy(['ip', 'user_agent'])
        .orderBy('last_seen', 'desc')
        .execute(),
    ]);
    const counts = new Map(perToken.map((r) => [r.token_id, Number(r.n)]));
    let requests = 0;
    for (const n of counts.values()) requests += n;
    return {
      requests,
      perToken: counts,
      clients: clients.map((r) => clientOf(r as Parameters<typeof clientOf>[0])),
    };
  }

  async pruneUsage(beforeDay: string, before: Date): Promise<number> {
    const days = await this.db.deleteFrom('token_usage_daily').where('day', '<', beforeDay).executeTakeFirst();
    const clients = await this.db.deleteFrom('token_clients').where('last_seen', '<', this.traits.time(before)).executeTakeFirst();
    return Number(days.numDeletedRows) + Number(clients.numDeletedRows);
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
