import type { Scope } from './tokens/scopes.js';
import type {
  AuditEvent, Connection, Datastore, DeactivatedBy, NewAuditEvent, Page, OidcIdentity, PageRequest, ProvisionedBy, Revocation, Team, TeamMember, Token, TokenType, User, UserEmail, UserRef, UserType,
} from './model.js';
import type { Role } from './roles.js';
import type { ListPage, ListRequest } from './listing.js';
import type {
  ClaimedDelivery, DeliveryOutcome, LifecyclePolicy, OutboxEntry, WebhookDelivery, WebhookEndpoint,
} from './lifecycle/model.js';
import type { Filter as ScimFilter } from './scim/filter.js';

/*
 * Storage ports, shaped by the domain rather than generic CRUD. Implementations live in
 * `@gatehouse/db` (SQLite and PostgreSQL through Kysely) and are checked by one contract suite.
 *
 * Conventions for every implementation:
 * - a uniqueness violation surfaces as a DomainError (NAME_TAKEN, USER_EXISTS) decided by the
 *   database's unique index, so concurrent creations race safely: exactly one wins;
 * - every method that writes several rows does so in one transaction;
 * - an unreachable database surfaces as DomainError('STORE_UNAVAILABLE');
 * - a use case that reads, decides and writes does it inside `Store.transaction`, so that its
 *   guard, its writes and its audit event commit together (SPEC §7).
 */

export interface NewUser {
  userId: string;
  /** Stored lower-cased. */
  email: string | null;
  name: string;
  type: UserType;
  role: Role;
  teamIds: number[];
  passwordHash: string | null;
  createdById: number | null;
  created: Date;
  /** SCIM attributes (optional: only SCIM provisioning sets them). */
  externalId?: string | null;
  givenName?: string | null;
  familyName?: string | null;
  formattedName?: string | null;
  emails?: UserEmail[] | null;
  /** The OpenID identity of a person created at their first sign-in (JIT). */
  oidc?: OidcIdentity | null;
  /** `local` unless an identity provider creates the user over SCIM. */
  provisionedBy?: ProvisionedBy;
}

export interface UserPatch {
  name?: string;
  role?: Role;
  active?: boolean;
  teamIds?: number[];
  email?: string | null;
  userId?: string;
  /** SCIM attributes. */
  externalId?: string | null;
  givenName?: string | null;
  familyName?: string | null;
  formattedName?: string | null;
  emails?: UserEmail[] | null;
  /** Links (or, with null, unlinks) the user's OpenID identity; USER_EXISTS if another user has it. */
  oidc?: OidcIdentity | null;
  lastModified?: Date;
  /** Set with `active: false`, cleared (null) with `active: true`. */
  deactivatedBy?: DeactivatedBy | null;
  passwordHash?: string;
}

/** What SCIM may change of a team besides its name and members (TeamStore.update / changeMembers). */
export interface TeamScimPatch {
  externalId?: string | null;
  lastModified?: Date;
}

/** Users in id order (keyset on id); `search` is a case-insensitive substring of user_id, name or e-mail. */
export interface UserQuery extends ListRequest<'id'> {
  type?: UserType;
  search?: string;
  active?: boolean;
}

export interface UserStore {
  count(): Promise<number>;
  findById(id: number): Promise<User | undefined>;
  /** Which of these ids exist (one query). */
  existingIds(ids: readonly number[]): Promise<number[]>;
  /** Case-insensitive. */
  findByUserId(userId: string): Promise<User | undefined>;
  /** The password hash of an active human with this e-mail/user_id (case-insensitive). */
  findPasswordHash(userId: string): Promise<{ user: User; passwordHash: string | null } | undefined>;
  /** The user linked to this OpenID identity (exact match of issuer and subject). */
  findByOidcIdentity(identity: OidcIdentity): Promise<User | undefined>;
  /** Humans whose primary e-mail is this one (case-insensitive), at most `limit` (e-mails are not unique). */
  findHumansByEmail(email: string, limit: number): Promise<User[]>;
  list(query: UserQuery): Promise<ListPage<User>>;
  /**
   * Humans matching a SCIM filter (RFC 7644 §3.4.2.2; none = all), in id order, one page and the
   * total, evaluated by the database with the semantics of `scim.matchesFilter` over
   * `scim.userToScim`. Throws ScimError invalidFilter where that evaluator would.
   */
  listScim(filter: ScimFilter | undefined, page: PageRequest): Promise<Page<User>>;
  /** Throws USER_EXISTS when the user_id is taken (case-insensitive). Adds the user to the given teams atomically. */
  create(user: NewUser): Promise<User>;
  /** Applies the patch atomically; `teamIds` replaces the memberships. Throws NOT_FOUND, USER_EXISTS. */
  update(id: number, patch: UserPatch): Promise<void>;
  recordLogin(id: number, at: Date): Promise<void>;
  /** Number of active Admins, for the last-admin guard. */
  countActiveAdmins(): Promise<number>;
  /**
   * Removes the user row for good (SCIM DELETE): its tokens, sessions and memberships go with
   * it; what it created keeps a null creator. Throws NOT_FOUND. Audit events are kept.
   */
  delete(id: number): Promise<void>;
}

/** Teams in id order (keyset on id); `search` is a case-insensitive substring of the name. */
export interface TeamQuery extends ListRequest<'id'> {
  search?: string;
  /** Members previewed per team (default TEAM_PREVIEW_LIST); 0 = none. */
  preview?: number;
}

/** A team's members by folded name then id (keyset); `search` is the user list's search. */
export interface TeamMemberQuery extends ListRequest<'name'> {
  search?: string;
}

export interface TeamStore {
  /** With a preview of `preview` members (default TEAM_PREVIEW_LIST). */
  findById(id: number, preview?: number): Promise<Team | undefined>;
  /** One page of a team's members; an unknown team has none. */
  members(id: number, query: TeamMemberQuery): Promise<ListPage<TeamMember>>;
  /** Every member of one type (SCIM lists a group's humans whole), by id. */
  allMembers(id: number, type: UserType): Promise<UserRef[]>;
  /** Which of these users are members of the team. */
  memberIdsAmong(id: number, userIds: readonly number[]): Promise<number[]>;
  /** Teams by exact name; the result lists the names that exist (with their counts, no preview: users empty). */
  findByNames(names: readonly string[]): Promise<Team[]>;
  list(query: TeamQuery): Promise<ListPage<Team>>;
  /**
   * Teams matching a SCIM filter (none = all), in id order, one page and the total, evaluated by
   * the database with the semantics of `scim.matchesFilter` over `scim.teamToScim` with the
   * team's humans as members. Throws ScimError invalidFilter where that evaluator would. The
   * teams carry no member preview (SCIM reads members with allMembers when it shows them).
   */
  listScim(filter: ScimFilter | undefined, page: PageRequest): Promise<Page<Team>>;
  /** Throws NAME_TAKEN. */
  create(team: { name: string; description: string | null; userIds: number[]; created: Date; externalId?: string | null }): Promise<Team>;
  /** `userIds` replaces the members. Throws NAME_TAKEN. */
  update(id: number, patch: { name?: string; description?: string | null; userIds?: number[] } & TeamScimPatch): Promise<Team>;
  /**
   * Adds and removes members in one transaction, leaving the other members alone, so that two
   * concurrent changes to different members of one team both take effect (SCIM PATCH). Adding a
   * member twice or removing a non-member is a no-op. Throws NOT_FOUND for an unknown team.
   */
  changeMembers(id: number, change: { add: readonly number[]; remove: readonly number[] } & TeamScimPatch): Promise<Team>;
  delete(id: number): Promise<void>;
  /** Creates the Public team if missing; returns it. Idempotent under concurrency. */
  ensurePublic(created: Date): Promise<Team>;
}

export interface NewToken {
  /** The owner, as the use case has it (the store does not read it again). */
  owner: UserRef;
  name: string;
  type: TokenType;
  scimEndpointsOnly: boolean;
  expiration: Date | null;
  created: Date;
  createdById: number | null;
  /** HMAC-SHA256(pepper, token), hex. The token itself is never stored. */
  tokenHash: string;
  jti: string;
  kid: string;
  /** SPEC §11; null or absent = unrestricted. */
  scopes?: Scope[] | null;
  allowedIps?: string[] | null;
  /** SPEC §9: the token's own idle limit; null or absent = its type's policy alone. */
  idleRevokeDays?: number | null;
}

/** What is written with a new token: its audit event and its webhook events. */
export interface NewTokenRecord {
  audit: NewAuditEvent;
  events?: readonly OutboxEntry[];
}

export interface TokenPatch {
  name?: string;
  /** Replaces the allowlist (null = anywhere). */
  allowedIps?: string[] | null;
  /** Replaces the token's own idle limit (null = its type's policy alone). */
  idleRevokeDays?: number | null;
  /** A Revocation revokes; null restores. */
  revocation?: Revocation | null;
}

/** What authentication needs about a token, in one read; its user is read (and cached) apart. */
export interface TokenAuthRecord {
  tokenId: number;
  tokenName: string;
  type: TokenType;
  scimEndpointsOnly: boolean;
  expiration: Date | null;
  revokedAt: Date | null;
  userId: number;
  /** SPEC §11; null or absent = unrestricted. */
  scopes?: Scope[] | null;
  allowedIps?: string[] | null;
}

/**
 * A token's last use, as written behind about once a second: one per token in use, so the time
 * is epoch milliseconds rather than a Date (stores keep it to the second, the API's precision).
 */
export interface TokenUsage {
  tokenId: number;
  atMs: number;
  ip: string | null;
  /** Its requests since the last write, one entry per client and UTC day (empty when not counted). */
  clients: ClientUse[];
}

/** Requests of one client (ip + user agent) of a token on one UTC day, as counted in memory. */
export interface ClientUse {
  ip: string | null;
  userAgent: string | null;
  /** UTC day as days since 1970-01-01. */
  day: number;
  firstMs: number;
  lastMs: number;
  requests: number;
}

/** A client of a token as stored: first and last seen, requests over the retention period. */
export interface TokenClient {
  ip: string | null;
  userAgent: string | null;
  firstSeen: Date;
  lastSeen: Date;
  requests: number;
}

/** A token's use since a day: requests per UTC day (days without requests left out) and its most recent clients. */
export interface TokenUsageReport {
  daily: { date: string; requests: number }[];
  clients: TokenClient[];
}

/** Several tokens' use since a time, summed (what a revocation or deactivation would stop). */
export interface UsageSummary {
  requests: number;
  /** Distinct clients seen since then, most recent first. */
  clients: TokenClient[];
  /** Per token: its requests since then (tokens without any left out). */
  perToken: Map<number, number>;
}

export interface TokenStore {
  /**
   * Throws NAME_TAKEN when the user already has a token of that name. The audit event (and the
   * webhook events, to the outbox as WebhookStore.enqueue writes them) made by `record(id)` are
   * written in the same transaction: a token never exists without its record, even if the
   * process dies between the writes.
   */
  create(token: NewToken, record?: (tokenId: number) => NewTokenRecord): Promise<Token>;
  findById(id: number): Promise<Token | undefined>;
  findAuthRecordByHash(tokenHash: string): Promise<TokenAuthRecord | undefined>;
  /**
   * A page of tokens, filtered, searched and sorted in the database, each order served by an
   * index. Keyset pages never skip or repeat a row while rows are inserted or deleted between them.
   */
  list(query: TokenQuery): Promise<ListPage<Token>>;
  /** Every token, of every user, in id order (the access review). */
  listAll(): Promise<Token[]>;
  /**
   * Renames and/or revokes (a Revocation) or restores (null) in one statement; returns the
   * token as written. Throws NOT_FOUND, NAME_TAKEN.
   */
  update(id: number, patch: TokenPatch): Promise<Token>;
  /**
   * Replaces the secret of a token (rotation). The old hash stops matching at once, or, with
   * `previousUntil`, keeps matching until then (never past the token's expiration): a
   * rotation's grace period. A secret kept from an earlier rotation is dropped.
   */
  replaceSecret(id: number, secret: { tokenHash: string; jti: string; kid: string; expiration: Date | null; previousUntil?: Date | null }): Promise<Token>;
  delete(id: number): Promise<void>;
  /** Revokes every active token of the user; returns the ids revoked. */
  revokeAllOfUser(userId: number, revocation: Revocation): Promise<number[]>;
  /**
   * Writes `last_used` / `last_used_ip` for a batch in one statement per chunk, in id order
   * (so that two nodes flushing overlapping batches cannot deadlock). Never moves a time back.
   */
  recordUsage(batch: readonly TokenUsage[]): Promise<void>;
  /**
   * The token's requests per day from `sinceDay` (YYYY-MM-DD, UTC) on, and its `clientLimit`
   * most recently seen clients.
   */
  usageOf(tokenId: number, sinceDay: string, clientLimit: number): Promise<TokenUsageReport>;
  /** The requests of these tokens from `sinceDay` on, and their clients last seen at or after `since`. */
  usageSummary(tokenIds: readonly number[], sinceDay: string, since: Date): Promise<UsageSummary>;
  /** Drops daily counts before `beforeDay` and clients last seen before `before`; returns how many rows went. */
  pruneUsage(beforeDay: string, before: Date): Promise<number>;
  countByState(now: Date): Promise<{ active: number; revoked: number; expired: number }>;
}

export type TokenSort = 'id' | 'created' | 'name';

/** Whose tokens a list shows. */
export type TokenScope =
  /** One user's tokens. */
  | { ownerId: number }
  /** Every service token, or those of one service account. */
  | { service: true; ownerId?: number }
  /** A user's own tokens and every service token (an Admin's "All tokens"). */
  | { ownOrServiceOf: number };

/**
 * Default order: newest first (`created` descending). `search` is a case-insensitive prefix of
 * the token's name (a range of the name index, whatever the order).
 */
export interface TokenQuery extends ListRequest<TokenSort> {
  scope: TokenScope;
  search?: string;
}

export interface DatastoreQuery extends PageRequest {
  /** `undefined` = all datastores; otherwise only those in one of these teams. */
  visibleToTeamIds?: number[];
  /** Case-insensitive part of the name (`%`, `_` and `\\` match themselves). */
  name?: string;
  types?: string[];
  /** Datastores with any of these tags. */
  tags?: string[];
  enrichmentOnly?: boolean;
  search?: string;
  sort: { by: 'id' | 'name' | 'type' | 'created'; desc: boolean };
}

export interface NewDatastore {
  name: string;
  type: string;
  host: string | null;
  port: number | null;
  database: string | null;
  schema: string | null;
  teamIds: number[];
  connectionId: number | null;
  tags: string[];
  enrichmentOnly: boolean;
  created: Date;
  createdById: number | null;
}

export interface DatastoreStore {
  findById(id: number): Promise<Datastore | undefined>;
  list(query: DatastoreQuery): Promise<Page<Datastore>>;
  /**
   * Whether a datastore of exactly this name exists among those in `visibleToTeamIds`
   * (`undefined` = all), other than `exceptId`. Names are unique per viewer, not globally: the
   * use case checks this under a lock before it writes.
   */
  nameInUse(name: string, visibleToTeamIds: number[] | undefined, exceptId?: number): Promise<boolean>;
  create(ds: NewDatastore): Promise<Datastore>;
  update(id: number, patch: Partial<Omit<NewDatastore, 'created' | 'createdById'>>): Promise<Datastore>;
  delete(id: number): Promise<void>;
}

export interface ConnectionQuery extends PageRequest {
  /** Case-insensitive part of the name. */
  name?: string;
  types?: string[];
}

export type NewConnection = Omit<Connection, 'id'>;
export type ConnectionPatch = Partial<Pick<Connection, 'name' | 'type' | 'host' | 'port'>>;

/**
 * Connections (SPEC §12). Names are unique (NAME_TAKEN); a connection's type, host and port are
 * copied to its datastores by `update` in the same statement batch, so that a datastore list
 * filters and sorts on its own row.
 */
export interface ConnectionStore {
  findById(id: number): Promise<Connection | undefined>;
  list(query: ConnectionQuery): Promise<Page<Connection>>;
  create(c: NewConnection): Promise<Connection>;
  /** Throws NOT_FOUND, NAME_TAKEN. */
  update(id: number, patch: ConnectionPatch): Promise<Connection>;
  /** Whether any datastore uses it. */
  inUse(id: number): Promise<boolean>;
  /** The foreign key refuses to delete a connection in use (the use case checks `inUse` first). */
  delete(id: number): Promise<void>;
}

/** Newest first (keyset on id). */
export interface AuditQuery extends ListRequest<'id'> {
  actorUserId?: number;
  actorTokenId?: number;
  action?: string;
  since?: Date;
  until?: Date;
  /** Only events written after this one (by id). */
  afterId?: number;
}

export interface AuditStore {
  append(events: readonly NewAuditEvent[]): Promise<void>;
  list(query: AuditQuery): Promise<ListPage<AuditEvent>>;
}

export interface Session {
  id: number;
  user: User;
  expires: Date;
  lastSeen: Date;
}

/** A session as its owner sees it in the list of their sessions. */
export interface SessionInfo {
  id: number;
  created: Date;
  lastSeen: Date;
  expires: Date;
  ip: string | null;
  userAgent: string | null;
}

export interface NewSession {
  idHash: string;
  userId: number;
  created: Date;
  expires: Date;
  ip: string | null;
  userAgent: string | null;
}

export interface SessionStore {
  /** Also drops the user's expired sessions, so that the table does not grow forever. Returns the id. */
  create(session: NewSession): Promise<number>;
  /** The session with its user, if present and not expired at `now`. */
  find(idHash: string, now: Date): Promise<Session | undefined>;
  /** The user's sessions not expired at `now`, newest first. */
  listOfUser(userId: number, now: Date): Promise<SessionInfo[]>;
  /** Marks the session seen at `at` from this client (a write at most once a minute per session). */
  touch(id: number, at: Date, client: { ip: string | null; userAgent: string | null }): Promise<void>;
  /** Ends one session of this user; false when it is not theirs or gone. */
  deleteOfUser(userId: number, id: number): Promise<boolean>;
  delete(idHash: string): Promise<void>;
  /** Ends every session of the user but `exceptId`; returns how many ended. */
  deleteAllOfUser(userId: number, exceptId?: number): Promise<number>;
}

/**
 * Failed-login counting per account (SPEC §7): an attempt is recorded BEFORE its password is
 * checked, inside a transaction holding the account's lock, so that concurrent guesses cannot
 * all pass a check made before any of them was counted. A successful login removes its own.
 */
export interface LoginAttemptStore {
  /** Attempts for this account (a keyed hash of what was typed) at or after `since`, and the oldest of them. */
  countSince(accountHash: string, since: Date): Promise<{ count: number; oldest: Date | null }>;
  /** Records an attempt and drops this account's attempts older than `pruneBefore`; returns its id. */
  add(accountHash: string, at: Date, pruneBefore: Date): Promise<number>;
  remove(id: number): Promise<void>;
}

/** The lifecycle policy (SPEC §9): one document. */
export interface PolicyStore {
  /** The stored policy, or undefined before an Admin first sets one. */
  get(): Promise<LifecyclePolicy | undefined>;
  /** Replaces the policy (last write wins). */
  put(policy: LifecyclePolicy, at: Date): Promise<void>;
}

export interface NewWebhookEndpoint {
  url: string;
  description: string | null;
  events: string[];
  secret: string;
  created: Date;
  createdById: number | null;
}

export interface WebhookEndpointPatch {
  url?: string;
  description?: string | null;
  events?: string[];
  active?: boolean;
}

/**
 * Webhook endpoints and the outbox of their deliveries (SPEC §9).
 *
 * Concurrency promises:
 * - `enqueue` writes in the caller's transaction: a change and its deliveries commit together;
 * - `claimDue` never hands one delivery to two callers while a claim holds (PostgreSQL: the due
 *   rows are locked FOR UPDATE SKIP LOCKED and marked claimed in one statement, so nodes polling
 *   together take disjoint rows; SQLite: one write transaction at a time);
 * - `recordAttempt` writes only while the caller's claim is still the row's claim, so a run that
 *   outlived its claim cannot overwrite the outcome of the run that took the row over.
 */
export interface WebhookStore {
  create(endpoint: NewWebhookEndpoint): Promise<WebhookEndpoint>;
  findById(id: number): Promise<WebhookEndpoint | undefined>;
  list(): Promise<WebhookEndpoint[]>;
  /** Throws NOT_FOUND. */
  update(id: number, patch: WebhookEndpointPatch): Promise<WebhookEndpoint>;
  /** Deletes the endpoint and its deliveries. Throws NOT_FOUND. */
  delete(id: number): Promise<void>;
  /** One pending delivery of each entry per active endpoint subscribed to its type, due at `at`. */
  enqueue(entries: readonly OutboxEntry[], at: Date): Promise<void>;
  /** One pending delivery of `entry` to this endpoint (test events, redeliveries), due at `at`. */
  enqueueTo(endpointId: number, entry: OutboxEntry, at: Date): Promise<WebhookDelivery>;
  /** Newest first. */
  listDeliveries(endpointId: number, page: PageRequest): Promise<Page<WebhookDelivery>>;
  findDelivery(endpointId: number, id: number): Promise<WebhookDelivery | undefined>;
  /** Up to `limit` pending deliveries due at `now` and not claimed, each claimed until `until`; oldest first. */
  claimDue(now: Date, until: Date, limit: number): Promise<ClaimedDelivery[]>;
  /** Records an attempt of a claimed delivery (attempts + 1) and releases the claim; false if the claim was lost. */
  recordAttempt(delivery: Pick<ClaimedDelivery, 'id' | 'claimedUntil'>, outcome: DeliveryOutcome): Promise<boolean>;
  /**
   * recordAttempt for several deliveries in one transaction (a delivery round's outcomes);
   * answers, in order, whether each was recorded (its claim still held).
   */
  recordAttempts(attempts: ReadonlyArray<{ delivery: Pick<ClaimedDelivery, 'id' | 'claimedUntil'>; outcome: DeliveryOutcome }>): Promise<boolean[]>;
}

/**
 * Tokens of one type sharing one idle limit of `days`: with `policy`, those the type's policy
 * limit applies to (no own limit, or an own one not shorter); else those whose own limit is `days`.
 */
export interface IdleLimitGroup {
  type: TokenType;
  days: number;
  policy: boolean;
}

/**
 * What the lifecycle jobs scan and claim (SPEC §9). The scans answer token ids only: each job
 * reads the token again inside the change that acts on it, so that a token changed between the
 * scan and the change is judged as it is then.
 */
export interface LifecycleStore {
  /**
   * Active (not revoked) tokens whose expiration is in (`after`, `until`], soonest first;
   * `withoutNotice`: only those with no notice whose kind starts with `kind` (sent at or after
   * `since`, when given).
   */
  tokensExpiringBetween(after: Date, until: Date, limit: number, withoutNotice?: { kind: string; since?: Date }): Promise<number[]>;
  /**
   * Active tokens of the group, not expired at `now`, last used (or, never used, created) at or
   * before `activeBefore`: the idle ones. `warned`: only those not yet warned since their last
   * use (`false`), or only those warned since their last use at or before a time (a Date).
   */
  idleTokens(group: IdleLimitGroup, activeBefore: Date, now: Date, limit: number, warned: false | Date): Promise<number[]>;
  /** The distinct own idle limits (`idle_revoke_days`) of active tokens, by type. */
  idleLimitsInUse(): Promise<Array<{ type: TokenType; days: number }>>;
  /**
   * Records that the notice `kind` was sent for the token; false when it already was. The one
   * guard of reminders and warnings: two processes scanning together send each notice once.
   * Idle warnings have kinds starting `idle_warning:`.
   */
  claimNotice(tokenId: number, kind: string, at: Date): Promise<boolean>;
  /** When the notice `kind` was sent for the token, if it was. */
  noticeSent(tokenId: number, kind: string): Promise<Date | undefined>;
  /** The ids of the people set as owners of a service account, ascending (empty: none set). */
  ownersOf(accountId: number): Promise<number[]>;
  /** Replaces the owners of a service account. */
  setOwners(accountId: number, ownerIds: readonly number[]): Promise<void>;
}

/** One store per kind of record: what `Store` and `StoreTransaction` both hold. */
interface Stores {
  users: UserStore;
  teams: TeamStore;
  tokens: TokenStore;
  datastores: DatastoreStore;
  connections: ConnectionStore;
  audit: AuditStore;
  sessions: SessionStore;
  loginAttempts: LoginAttemptStore;
  policy: PolicyStore;
  webhooks: WebhookStore;
  lifecycle: LifecycleStore;
}

/** The stores as seen inside one transaction (authentication's batched reads and writes stay outside). */
export interface StoreTransaction extends Omit<Stores, 'tokens'> {
  tokens: Omit<TokenStore, 'findAuthRecordByHash' | 'recordUsage'>;
  /**
   * Serialises the transactions that take the same key until they end: the guard of a
   * read-then-write decision (last active Admin, first-Admin setup, a login counter, a name).
   * PostgreSQL: a transaction-scoped advisory lock. SQLite: every write transaction already
   * holds the database's write lock from its start (BEGIN IMMEDIATE), so this is a no-op.
   */
  lock(key: string): Promise<void>;
}

export interface Store extends Stores {
  readonly dialect: 'sqlite' | 'postgres';
  /**
   * Runs `fn` as one atomic write: everything done through `tx` commits together, or nothing
   * does when `fn` throws (the error is rethrown). Inside `fn`, use `tx` only — on SQLite the
   * connection is held by the transaction, and a call on the outer store would wait for it.
   */
  transaction<T>(fn: (tx: StoreTransaction) => Promise<T>): Promise<T>;
  /** Resolves when the database answers; throws STORE_UNAVAILABLE otherwise. */
  ping(): Promise<void>;
  close(): Promise<void>;
}
