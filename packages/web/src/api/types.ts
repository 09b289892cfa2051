/**
 * Wire types of the Gatehouse API: the SDK's, which its tests check against the server's own
 * response schemas, so the UI cannot drift from what the server sends. The role ladder is the
 * server's own (core's, through the SDK).
 */
export { ROLES, roleAtLeast } from '@gatehouse/sdk/roles';
export type {
  AuditEvent,
  Connection,
  ConnectionInput,
  CreatedToken,
  CreateHumanInput,
  CreateServiceAccountInput,
  DatastoreInput,
  TeamInput,
  CreateTokenInput as CreateTokenBody,
  Datastore,
  Me,
  Page as Paginated,
  CursorPage,
  Role,
  Scope,
  Team,
  TeamMember,
  Token,
  TokenType,
  User,
  UserListing,
  UserRef,
  UserType,
} from '@gatehouse/sdk';
