import type { Role } from './roles.js';

export type UserType = 'Human' | 'Service';
export type TokenType = 'Personal' | 'Service';

export const PUBLIC_TEAM = 'Public';

export interface TeamRef {
  id: number;
  name: string;
}

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
  /** SCIM `meta.lastModified`; `null` = not changed through SCIM since `created`. */
  lastModified?: Date | null;
}

/** The short form embedded in tokens and team listings. */
export interface UserRef {
  id: number;
  userId: string;
  name: string;
  type: UserType;
}

export interface Team {
  id: number;
  name: string;
  description: string | null;
  created: Date;
  users: UserRef[];
  /** SCIM `externalId` of the group this team is. */
  externalId?: string | null;
  /** SCIM `meta.lastModified`; `null` = not changed through SCIM since `created`. */
  lastModified?: Date | null;
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
  user: UserRef;
}

export interface Datastore {
  id: number;
  name: string;
  type: string;
  host: string | null;
  port: number | null;
  database: string | null;
  schema: string | null;
  teams: TeamRef[];
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
