import type { Generated } from 'kysely';

/*
 * Row types as the database holds them. Timestamps are ISO-8601 text on SQLite and
 * timestamptz on PostgreSQL; booleans are 0/1 on SQLite. `dialect.ts` converts both ways.
 */
type Timestamp = string | Date;
type Bool = number | boolean;

export interface UsersTable {
  id: Generated<number>;
  user_id: string;
  email: string | null;
  name: string;
  user_type: string;
  role: string;
  active: Bool;
  password_hash: string | null;
  created: Timestamp;
  created_by_id: number | null;
  last_login: Timestamp | null;
  /** SCIM (migration 2026-11-29T01-00-scim). */
  external_id: string | null;
  given_name: string | null;
  family_name: string | null;
  last_modified: Timestamp | null;
  /** Integrity (migration 2026-12-06T00-00-integrity). */
  provisioned_by: Generated<string>;
  deactivated_by: string | null;
  /** Single sign-on and SCIM (migration 2026-12-06T10-00-sso). */
  oidc_issuer: string | null;
  oidc_subject: string | null;
  formatted_name: string | null;
  /** JSON array of {value, type, display, primary}; null = only `email`, as work and primary. */
  emails: string | null;
}

/** SCIM e-mails, one row each (migration 2026-12-07T00-00-search-indexes): what filters on `emails` read. */
export interface UserEmailsTable {
  user_id: number;
  position: number;
  value: string;
  /** value.toLowerCase() */
  folded: string;
  type: string | null;
  display: string | null;
  is_primary: Bool;
}

export interface TeamsTable {
  id: Generated<number>;
  name: string;
  description: string | null;
  created: Timestamp;
  /** SCIM (migration 2026-11-29T01-00-scim). */
  external_id: string | null;
  last_modified: Timestamp | null;
  /** Kept by triggers on team_members (migration 2026-12-07T02-00-teams). */
  user_count: Generated<number>;
}

export interface TeamMembersTable {
  team_id: number;
  user_id: number;
  /** The member's name, kept by triggers for the members-by-name index (migration 2026-12-07T02-00-teams). */
  member_name: string | null;
}

export interface TokensTable {
  id: Generated<number>;
  user_id: number;
  name: string;
  token_type: string;
  scim_endpoints_only: Bool;
  expiration: Timestamp | null;
  created: Timestamp;
  created_by_id: number | null;
  last_used: Timestamp | null;
  last_used_ip: string | null;
  revoked_at: Timestamp | null;
  token_hash: string;
  jti: string;
  kid: string;
  /** Integrity (migration 2026-12-06T00-00-integrity). */
  revoked_by_id: number | null;
  revoke_reason: string | null;
  /** Token restrictions (migration 2026-12-06T13-00-token-restrictions): space-separated scopes, comma-separated CIDRs. */
  scopes: string | null;
  allowed_ips: string | null;
  /** Lifecycle (migration 2026-12-06T11-00-lifecycle), rotation with overlap: the previous secret, valid until previous_secret_expires_at. */
  previous_token_hash?: string | null;
  previous_secret_expires_at?: Timestamp | null;
  /** Lifecycle 2 (migration 2026-12-07T01-00-lifecycle-2): the token's own idle limit, shorter than its type's policy. */
  idle_revoke_days?: number | null;
}

export interface DatastoresTable {
  id: Generated<number>;
  name: string;
  type: string;
  host: string | null;
  port: number | null;
  database_name: string | null;
  schema_name: string | null;
  created: Timestamp;
  created_by_id: number | null;
  /** Qualytics second round (migration 2026-12-06T14-00-connections). */
  connection_id: number | null;
  enrichment_only: Generated<number | boolean>;
}

export interface DatastoreTeamsTable {
  datastore_id: number;
  team_id: number;
}

export interface DatastoreTagsTable {
  datastore_id: number;
  tag: string;
}

export interface ConnectionsTable {
  id: Generated<number>;
  name: string;
  type: string;
  host: string | null;
  port: number | null;
  created: Timestamp;
  created_by_id: number | null;
}

export interface SessionsTable {
  id: Generated<number>;
  id_hash: string;
  user_id: number;
  created: Timestamp;
  expires: Timestamp;
  /** Integrity (migration 2026-12-06T00-00-integrity). */
  last_seen: Timestamp | null;
  ip: string | null;
  user_agent: string | null;
}

export interface LoginAttemptsTable {
  id: Generated<number>;
  account_hash: string;
  at: Timestamp;
}

export interface AuditEventsTable {
  id: Generated<number>;
  at: Timestamp;
  actor_user_id: number | null;
  actor_token_id: number | null;
  action: string;
  target_type: string | null;
  target_id: string | null;
  ip: string | null;
  user_agent: string | null;
  outcome: string;
  details: string | null;
}

/** Lifecycle (migration 2026-12-06T11-00-lifecycle). */
export interface LifecyclePolicyTable {
  id: number;
  document: string;
  updated: Timestamp;
}

export interface WebhookEndpointsTable {
  id: Generated<number>;
  url: string;
  description: string | null;
  /** JSON array of event types, or ["*"]. */
  events: string;
  secret: string;
  active: Bool;
  created: Timestamp;
  created_by_id: number | null;
}

export interface WebhookDeliveriesTable {
  id: Generated<number>;
  endpoint_id: number;
  message_id: string;
  event_type: string;
  payload: string;
  status: string;
  attempts: Generated<number>;
  last_status_code: number | null;
  last_error: string | null;
  next_attempt_at: Timestamp;
  claimed_until: Timestamp | null;
  created: Timestamp;
}

export interface ServiceAccountOwnersTable {
  account_id: number;
  owner_id: number;
}

export interface LifecycleNoticesTable {
  token_id: number;
  kind: string;
  sent: Timestamp;
}

/** Usage insight (migration 2026-12-06T12-00-usage). */
export interface TokenUsageDailyTable {
  token_id: number;
  /** YYYY-MM-DD, UTC. */
  day: string;
  requests: number | string;
}

/** A token's client; ip and user_agent are '' when unknown. */
export interface TokenClientsTable {
  token_id: number;
  ip: string;
  user_agent: string;
  first_seen: Timestamp;
  last_seen: Timestamp;
  requests: number | string;
}

export interface Database {
  users: UsersTable;
  user_emails: UserEmailsTable;
  teams: TeamsTable;
  team_members: TeamMembersTable;
  tokens: TokensTable;
  datastores: DatastoresTable;
  datastore_teams: DatastoreTeamsTable;
  datastore_tags: DatastoreTagsTable;
  connections: ConnectionsTable;
  sessions: SessionsTable;
  audit_events: AuditEventsTable;
  login_attempts: LoginAttemptsTable;
  lifecycle_policy: LifecyclePolicyTable;
  webhook_endpoints: WebhookEndpointsTable;
  webhook_deliveries: WebhookDeliveriesTable;
  lifecycle_notices: LifecycleNoticesTable;
  service_account_owners: ServiceAccountOwnersTable;
  token_usage_daily: TokenUsageDailyTable;
  token_clients: TokenClientsTable;
}
