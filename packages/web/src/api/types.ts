/**
 * Wire types of the Gatehouse API: the SDK's, which its tests check against the server's own
 * response schemas, so the UI cannot drift from what the server sends.
 */
import type { Role } from '@gatehouse/sdk';

export type {
  CreatedToken,
  CreateTokenInput as CreateTokenBody,
  Datastore,
  Me,
  Page as Paginated,
  Role,
  Team,
  Token,
  TokenType,
  User,
  UserListing,
  UserRef,
  UserType,
} from '@gatehouse/sdk';

export const ROLES: readonly Role[] = ['Member', 'Editor', 'Manager', 'Admin'];
