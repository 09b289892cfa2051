import type { TokenType, User } from '../model.js';
import type { IpAllowlist } from '../tokens/ip-allowlist.js';
import type { Scope } from '../tokens/scopes.js';

/** The token a request was authenticated with (never its secret). */
export interface PrincipalToken {
  id: number;
  name: string;
  type: TokenType;
  scimEndpointsOnly: boolean;
  expiration: Date | null;
  /** SPEC §11: null = unrestricted. */
  scopes?: readonly Scope[] | null;
  /** `scopeMask(scopes)`, made once when the principal is built (the auth hook ANDs it per request). */
  scopeMask?: number;
  /** SPEC §11: null = any address. */
  allowedIps?: IpAllowlist | null;
}

/** Who is calling: a user, by token or by session. Built from the store, never from claims. */
export interface Principal {
  user: User;
  token: PrincipalToken | null;
  /** The browser session a request was authenticated with, if any. */
  session?: { id: number };
}

/** Who did something and from where, for authorization and the audit log. */
export interface Actor {
  principal: Principal;
  ip: string | null;
  userAgent: string | null;
}
