/*
 * The wire format of the Gatehouse API (SPEC §3): snake_case JSON, integer ids, ISO-8601 UTC
 * dates. Written out here so that the SDK needs neither the server nor its schema library;
 * `types.conformance.ts` checks at compile time (in the SDK's tests) that every type equals the
 * server's TypeBox schema, so the two cannot drift apart. The role ladder is core's.
 */
import type { Role } from './roles.js';

export type UserType = 'Human' | 'Service';
export type TokenType = 'Personal' | 'Service';

export interface UserRef {
  id: number;
  user_id: string;
  name: string;
  user_type: UserType;
}

export interface User {
  id: number;
  user_id: string;
  user_name: string;
  email: string | null;
  name: string;
  user_type: UserType;
  role: Role;
  teams: string[];
  active: boolean;
  created: string;
  created_by_id: number | null;
  last_login: string | null;
  /** `scim` when an identity provider created the user. */
  provisioned_by: 'local' | 'scim';
}

export interface Me extends User {
  /** The token the call was made with (null for a browser session). */
  token: { id: number; name: string; type: string; scim_endpoints_only: boolean; expiration: string | null; scopes: string[] | null } | null;
}

export interface UserListing {
  id: number;
  user_id: string;
  name: string;
  user_type: UserType;
  role: Role;
}

export interface Token {
  id: number;
  name: string;
  type: TokenType;
  active: boolean;
  scim_endpoints_only: boolean;
  expiration: string | null;
  created: string;
  created_by_id: number | null;
  last_used: string | null;
  last_used_ip: string | null;
  revoked_at: string | null;
  /** Who revoked it, and why: the owner may restore only an `owner` revocation of their own. */
  revoked_by_id: number | null;
  revoke_reason: RevokeReason | null;
  user: UserRef;
  /** What the token may do within its owner's role (SPEC §11); null = all of it. */
  scopes: Scope[] | null;
  /** The IPv4/IPv6 CIDRs it may be used from; null = anywhere. */
  allowed_ips: string[] | null;
  /** After a rotation with `grace_hours`: until when the previous secret works (null: it does not). */
  previous_secret_expires_at: string | null;
  /** Its own idle limit in days (shorter than its type's policy); null = the policy's alone. */
  idle_revoke_days: number | null;
}

/** Token scopes (SPEC §11): `read` (safe methods only) or a resource scope; `…:write` includes `…:read`. */
export type Scope =
  | 'read'
  | 'datastores:read' | 'datastores:write'
  | 'users:read' | 'users:write'
  | 'teams:read' | 'teams:write'
  | 'tokens:read' | 'tokens:write'
  | 'audit:read';

export type RevokeReason = 'owner' | 'admin' | 'incident' | 'user_deactivated' | 'idle' | 'leaked' | 'rotated';

/** A token as created or rotated: the only time the secret is returned. */
export interface CreatedToken extends Token {
  bearer_token: string;
}

export interface Team {
  id: number;
  created: string;
  name: string;
  description: string | null;
  /** The first members by name (10 in a list, up to 1000 for one team); all of them: `teams.members`. */
  users: UserRef[];
  /** Exact number of members. */
  user_count: number;
  /** Whether `users` leaves members out. */
  users_partial: boolean;
}

export interface TeamMember extends UserRef {
  email: string | null;
  active: boolean;
}

export interface Datastore {
  id: number;
  name: string;
  type: string;
  host: string | null;
  port: number | null;
  database: string | null;
  schema: string | null;
  teams: string[];
  /** The connection it hangs off: its type, host and port are the datastore's. */
  connection: { id: number; name: string; type: string } | null;
  tags: string[];
  enrichment_only: boolean;
  created: string;
  created_by_id: number | null;
}

/** Where datastores connect; no credentials are stored. */
export interface Connection {
  id: number;
  name: string;
  type: string;
  host: string | null;
  port: number | null;
  created: string;
}

export interface AuditEvent {
  id: number;
  at: string;
  actor_user_id: number | null;
  actor_token_id: number | null;
  action: string;
  target_type: string | null;
  target_id: string | null;
  ip: string | null;
  user_agent: string | null;
  outcome: 'success' | 'failure';
  details: Record<string, unknown> | null;
}

/** `{items, total, page, size}`; `page` is 1-based. */
export interface Page<T> {
  items: T[];
  total: number;
  page: number;
  size: number;
}

/**
 * The paged shape of lists that may be long (tokens, users, teams, the audit log): a Page with
 * cursors. `total` is exact up to 10,000, then a lower bound (`total_exact: false`). Pass
 * `next_cursor` (or `prev_cursor`, or `"last"`) back as `cursor` to move: as fast deep in the
 * list as at its start, and nothing skipped or repeated while rows come and go.
 */
export interface CursorPage<T> extends Page<T> {
  total_exact: boolean;
  next_cursor: string | null;
  prev_cursor: string | null;
}

export interface ErrorBody {
  detail: string;
  code: string;
  request_id: string;
  field?: string;
}

/** RFC 7662 §2.2 answer of POST /api/introspect; an inactive token has `active: false` only. */
export interface Introspection {
  active: boolean;
  sub?: string;
  exp?: number;
  iat?: number;
  jti?: string;
  token_type?: TokenType;
  scope?: string;
  token_id?: number;
  token_name?: string;
  user_id?: string;
  uid?: number;
  user_type?: UserType;
  name?: string;
  role?: Role;
  teams?: string[];
  /** The token's IP allowlist (CIDRs); absent = any address. The SDK's verifier enforces it. */
  allowed_ips?: string[];
}

// Request bodies and queries.

export interface PageParams {
  page?: number;
  size?: number;
  /** A `next_cursor`/`prev_cursor` of the same list, or `"last"` (lists with cursors; `page` is then ignored). */
  cursor?: string;
}

/** Paged token lists: `search` is a name prefix (any case); `sort` defaults to `-created`. */
export interface TokenListQuery extends PageParams {
  search?: string;
  sort?: 'created' | '-created' | 'name' | '-name';
}

export interface CreateServiceAccountInput {
  name: string;
  role: Role;
  teams?: string[];
  /** The people told about its tokens (ids of people); absent or empty = the Admin who creates it. */
  owner_ids?: number[];
}

export interface CreateHumanInput {
  email: string;
  name: string;
  role: Role;
  teams?: string[];
  password?: string;
}

export interface UpdateUserInput {
  name?: string;
  role?: Role;
  teams?: string[];
  active?: boolean;
  password?: string;
}

export interface CreateTokenInput {
  name: string;
  /** A service account's numeric id or user_id (Admin), or absent for a Personal token. */
  user_id?: number | string;
  /** 1–3650, or null for never (if the server's policy allows). */
  expires_in_days?: number | null;
  scim_endpoints_only?: boolean;
  /** Absent or null = everything the owner's role allows. */
  scopes?: Scope[] | null;
  /** IPv4/IPv6 CIDRs the token may be used from; absent or null = anywhere. */
  allowed_ips?: string[] | null;
  /** Revoke it after this many days without use (at most the policy's limit for its type); absent or null = the policy's. */
  idle_revoke_days?: number | null;
}

export interface RotateOptions {
  /** 1–3650, or null for never (if policy allows); absent = the token's original lifetime. */
  expires_in_days?: number | null;
  /** 0–168: hours the previous secret keeps working; 0 or absent = it stops at once. */
  grace_hours?: number;
}

export interface TeamInput {
  name?: string;
  description?: string | null;
  user_ids?: number[];
}

export interface DatastoreInput {
  name: string;
  /** Required without `connection_id`; with it, type, host and port come from the connection. */
  type?: string;
  host?: string | null;
  port?: number | null;
  database?: string | null;
  schema?: string | null;
  teams?: string[];
  connection_id?: number | null;
  tags?: string[];
  enrichment_only?: boolean;
}

export interface ConnectionInput {
  name: string;
  type: string;
  host?: string | null;
  port?: number | null;
}

export interface DatastoreQuery extends PageParams {
  /** Part of the name, without regard to case. */
  name?: string;
  datastore_type?: string[];
  tag?: string[];
  enrichment_only?: boolean;
  search?: string;
  sort?: 'id' | '-id' | 'name' | '-name' | 'type' | '-type' | 'created' | '-created';
}

export interface AuditQuery extends PageParams {
  actor_id?: number;
  token_id?: number;
  action?: string;
  since?: string;
  until?: string;
}

/** One secret found in public (GitHub's secret-scanning partner format, SPEC §11). */
export interface LeakReportItem {
  token: string;
  type?: string;
  url?: string;
  source?: string;
}

/** The answer of POST /api/leaks for one reported entry. */
export interface LeakVerdict {
  /** SHA-256 of the reported string, hex. */
  token_hash: string;
  token_type: string;
  label: 'true_positive' | 'false_positive';
}
