import type { Role } from './roles.js';
import type { Scope } from './tokens/scopes.js';

export type UserType = 'Human' | 'Service';
export type TokenType = 'Personal' | 'Service';

export const PUBLIC_TEAM = 'Public';

export interface TeamRef {
  id: number;
  name: string;
}

/** Who created a user: an Admin or the system (`local`), or an identity provider over SCIM. */
export type ProvisionedBy = 'local' | 'scim';
/** Who deactivated a user: an Admin through the API, or the identity provider over SCIM. */
export type DeactivatedBy = 'admin' | 'scim';

export interface User {
  id: number;
  /** The e-mail for humans, `<slug>@service` for service accounts; unique, case-insensitive. */
  userId: string;
  email: string | null;
  name: string;
  type: UserType;
  role: Role;
  active: boolean;
  teams: TeamRef[];
  created: Date;
  createdById: number | null;
  lastLogin: Date | null;
  /** SCIM `externalId`: the identity provider's id for this user. */
  externalId?: string | null;
  /** SCIM `name.givenName` / `name.familyName`, kept beside the display `name`. */
  givenName?: string | null;
  familyName?: string | null;
  /** SCIM `name.formatted` as the identity provider sent it; null = built from the parts. */
  formattedName?: string | null;
  /** Every e-mail SCIM stored (exactly one primary, mirrored in `email`); null = `email` alone. */
  emails?: UserEmail[] | null;
  /** The OpenID Connect identity the user signs in with (SPEC §8); null until linked. */
  oidc?: OidcIdentity | null;
  /** SCIM `meta.lastModified`; `null` = not changed through SCIM since `created`. */
  lastModified?: Date | null;
  /** SPEC §7: SCIM may change only what it provisioned, and never a local Admin. */
  provisionedBy: ProvisionedBy;
  /** Set while deactivated; SCIM may not reactivate a user an Admin deactivated. */
  deactivatedBy: DeactivatedBy | null;
}

/** One value of SCIM's `emails` (RFC 7643 §4.1.2), stored as sent. */
export interface UserEmail {
  value: string;
  type: string | null;
  display: string | null;
  primary: boolean;
}

/** An OpenID Connect identity: the subject is unique per issuer (OIDC Core §2). */
export interface OidcIdentity {
  issuer: string;
  subject: string;
}

/** The short form embedded in tokens and team listings. */
export interface UserRef {
  id: number;
  userId: string;
  name: string;
  type: UserType;
}

export const userRefOf = (u: UserRef): UserRef => ({ id: u.id, userId: u.userId, name: u.name, type: u.type });

export interface Team {
  id: number;
  name: string;
  description: string | null;
  created: Date;
  /**
   * A preview of the members: the first few by name (folded to lower case), then id. A team may
   * hold every user (Public does), so the whole list is paged instead (TeamStore.members).
   */
  users: UserRef[];
  /** Exact number of members, deactivated users included (they stay in their teams). */
  userCount: number;
  /** SCIM `externalId` of the group this team is. */
  externalId?: string | null;
  /** SCIM `meta.lastModified`; `null` = not changed through SCIM since `created`. */
  lastModified?: Date | null;
}

/** Members shown with a team in a list; the one-team view shows up to TEAM_PREVIEW_ONE. */
export const TEAM_PREVIEW_LIST = 10;
/** Enough for any team a reference client set through PUT user_ids in one go, still bounded. */
export const TEAM_PREVIEW_ONE = 1000;

/** A member in a team's member list. */
export interface TeamMember extends UserRef {
  email: string | null;
  active: boolean;
}

export interface Token {
  id: number;
  name: string;
  type: TokenType;
  scimEndpointsOnly: boolean;
  expiration: Date | null;
  created: Date;
  createdById: number | null;
  lastUsed: Date | null;
  lastUsedIp: string | null;
  revokedAt: Date | null;
  /** Who revoked it (null while active, or when that user no longer exists). */
  revokedById: number | null;
  revokeReason: RevokeReason | null;
  user: UserRef;
  /** SPEC §11: what the token may do within its owner's role; null (or absent) = all of it. */
  scopes?: Scope[] | null;
  /** SPEC §11: the CIDRs it may be used from; null (or absent) = anywhere. */
  allowedIps?: string[] | null;
  /** After a rotation with a grace period: until when the previous secret still works (null: it does not). */
  previousSecretExpiresAt?: Date | null;
  /** SPEC §9: its own idle limit in days, shorter than its type's policy; null (or absent) = the policy's alone. */
  idleRevokeDays?: number | null;
}

/** Why a token was revoked (SPEC §7); only `owner` revocations may be undone by the owner. */
export const REVOKE_REASONS = ['owner', 'admin', 'incident', 'user_deactivated', 'idle', 'leaked', 'rotated'] as const;
export type RevokeReason = (typeof REVOKE_REASONS)[number];

export interface Revocation {
  at: Date;
  byId: number | null;
  reason: RevokeReason;
}

/** Where datastores connect (SPEC §12): no credentials are stored. */
export interface Connection {
  id: number;
  name: string;
  type: string;
  host: string | null;
  port: number | null;
  created: Date;
  createdById: number | null;
}

export type ConnectionRef = Pick<Connection, 'id' | 'name' | 'type'>;

export interface Datastore {
  id: number;
  name: string;
  /** The connection's type, host and port when it has one (copied on every change of either). */
  type: string;
  host: string | null;
  port: number | null;
  database: string | null;
  schema: string | null;
  teams: TeamRef[];
  connection: ConnectionRef | null;
  /** Tags, sorted. */
  tags: string[];
  enrichmentOnly: boolean;
  created: Date;
  createdById: number | null;
}

export type AuditOutcome = 'success' | 'failure';

export interface AuditEvent {
  id: number;
  at: Date;
  actorUserId: number | null;
  actorTokenId: number | null;
  action: string;
  targetType: string | null;
  targetId: string | null;
  ip: string | null;
  userAgent: string | null;
  outcome: AuditOutcome;
  details: Record<string, unknown> | null;
}

export type NewAuditEvent = Omit<AuditEvent, 'id'>;

export interface Page<T> {
  items: T[];
  total: number;
}

export interface PageRequest {
  offset: number;
  limit: number;
}
