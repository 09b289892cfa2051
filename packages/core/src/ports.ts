import type {
  AuditEvent, Datastore, NewAuditEvent, Page, PageRequest, Team, Token, TokenType, User, UserType,
} from './model.js';
import type { Role } from './roles.js';

/*
 * Storage ports, shaped by the domain rather than generic CRUD. Implementations live in
 * `@gatehouse/db` (SQLite and PostgreSQL through Kysely) and are checked by one contract suite.
 *
 * Conventions for every implementation:
 * - a uniqueness violation surfaces as a DomainError (NAME_TAKEN, USER_EXISTS) decided by the
 *   database's unique index, so concurrent creations race safely: exactly one wins;
 * - every method that writes several rows does so in one transaction;
 * - an unreachable database surfaces as DomainError('STORE_UNAVAILABLE').
 */

export interface NewUser {
  userId: string;
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
  lastModified?: Date;
}

/** What SCIM may change of a team besides its name and members (TeamStore.update / changeMembers). */
export interface TeamScimPatch {
  externalId?: string | null;
  lastModified?: Date;
}

export interface UserQuery extends PageRequest {
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
  list(query: UserQuery): Promise<Page<User>>;
  /** Throws USER_EXISTS when the user_id is taken (case-insensitive). Adds the user to the given teams atomically. */
  create(user: NewUser): Promise<User>;
  /** Applies the patch atomically; `teamIds` replaces the memberships. */
  update(id: number, patch: UserPatch): Promise<User>;
  setPassword(id: number, passwordHash: string): Promise<void>;
  recordLogin(id: number, at: Date): Promise<void>;
  /** Number of active Admins, for the last-admin guard. */
  countActiveAdmins(): Promise<number>;
  /**
   * Removes the user row for good (SCIM DELETE): its tokens, sessions and memberships go with
   * it; what it created keeps a null creator. Throws NOT_FOUND. Audit events are kept.
   */
  delete(id: number): Promise<void>;
}

export interface TeamQuery extends PageRequest {
  search?: string;
}

export interface TeamStore {
  findById(id: number): Promise<Team | undefined>;
  /** Teams by exact name; the result lists the names that exist. */
  findByNames(names: readonly string[]): Promise<Team[]>;
  list(query: TeamQuery): Promise<Page<Team>>;
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
  userId: number;
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
}

/**
 * A token's last use, as written behind about once a second: one per token in use, so the time
 * is epoch milliseconds rather than a Date (stores keep it to the second, the API's precision).
 */
export interface TokenUsage {
  tokenId: number;
  atMs: number;
  ip: string | null;
}

export interface TokenStore {
  /**
   * Throws NAME_TAKEN when the user already has a token of that name. The audit event made by
   * `audit(id)` is written in the same transaction: a token never exists without its record,
   * even if the process dies between the two writes.
   */
  create(token: NewToken, audit?: (tokenId: number) => NewAuditEvent): Promise<Token>;
  findById(id: number): Promise<Token | undefined>;
  findAuthRecordByHash(tokenHash: string): Promise<TokenAuthRecord | undefined>;
  listByUser(userId: number): Promise<Token[]>;
  listService(filter: { userId?: number }): Promise<Token[]>;
  /** `at = null` restores. Returns the updated token. */
  setRevoked(id: number, at: Date | null): Promise<Token>;
  /** Throws NAME_TAKEN. */
  rename(id: number, name: string): Promise<Token>;
  /** Replaces the secret of a token (rotation); the old hash stops matching at once. */
  replaceSecret(id: number, secret: { tokenHash: string; jti: string; kid: string; expiration: Date | null }): Promise<Token>;
  delete(id: number): Promise<void>;
  /** Revokes every active token of the user; returns the ids revoked. */
  revokeAllOfUser(userId: number, at: Date): Promise<number[]>;
  /**
   * Writes `last_used` / `last_used_ip` for a batch in one statement per chunk, in id order
   * (so that two nodes flushing overlapping batches cannot deadlock). Never moves a time back.
   */
  recordUsage(batch: readonly TokenUsage[]): Promise<void>;
  countByState(now: Date): Promise<{ active: number; revoked: number; expired: number }>;
}

export interface DatastoreQuery extends PageRequest {
  /** `undefined` = all datastores; otherwise only those in one of these teams. */
  visibleToTeamIds?: number[];
  name?: string;
  types?: string[];
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
  created: Date;
  createdById: number | null;
}

export interface DatastoreStore {
  findById(id: number): Promise<Datastore | undefined>;
  list(query: DatastoreQuery): Promise<Page<Datastore>>;
  /** Throws NAME_TAKEN. */
  create(ds: NewDatastore): Promise<Datastore>;
  update(id: number, patch: Partial<Omit<NewDatastore, 'created' | 'createdById'>>): Promise<Datastore>;
  delete(id: number): Promise<void>;
}

export interface AuditQuery extends PageRequest {
  actorUserId?: number;
  actorTokenId?: number;
  action?: string;
  since?: Date;
  until?: Date;
}

export interface AuditStore {
  append(events: readonly NewAuditEvent[]): Promise<void>;
  list(query: AuditQuery): Promise<Page<AuditEvent>>;
}

export interface Session {
  id: number;
  user: User;
  expires: Date;
}

export interface SessionStore {
  create(session: { idHash: string; userId: number; created: Date; expires: Date }): Promise<void>;
  /** The session with its user, if present and not expired at `now`. */
  find(idHash: string, now: Date): Promise<Session | undefined>;
  delete(idHash: string): Promise<void>;
  deleteAllOfUser(userId: number): Promise<void>;
}

export interface Store {
  readonly dialect: 'sqlite' | 'postgres';
  users: UserStore;
  teams: TeamStore;
  tokens: TokenStore;
  datastores: DatastoreStore;
  audit: AuditStore;
  sessions: SessionStore;
  /** Resolves when the database answers; throws STORE_UNAVAILABLE otherwise. */
  ping(): Promise<void>;
  close(): Promise<void>;
}
