/** Wire types of the Gatehouse API (snake_case, as the server sends them; SPEC §3). */

export type Role = 'Member' | 'Editor' | 'Manager' | 'Admin';
export type UserType = 'Human' | 'Service';
export type TokenType = 'Personal' | 'Service';

export const ROLES: readonly Role[] = ['Member', 'Editor', 'Manager', 'Admin'];

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
}

export interface Me extends User {
  token: unknown;
}

export interface UserRef {
  id: number;
  user_id: string;
  name: string;
  user_type: UserType;
}

export interface UserListing extends UserRef {
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
  user: UserRef;
}

export interface CreatedToken extends Token {
  bearer_token: string;
}

export interface Team {
  id: number;
  created: string;
  name: string;
  description: string | null;
  users: UserRef[];
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
  created: string;
  created_by_id: number | null;
}

export interface Paginated<T> {
  items: T[];
  total: number;
  page: number;
  size: number;
}

export interface CreateTokenBody {
  name: string;
  user_id?: number;
  expires_in_days: number | null;
  scim_endpoints_only?: boolean;
}
