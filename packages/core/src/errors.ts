/**
 * Every failure the domain can report, by a stable machine code. The HTTP layer maps each code
 * to a status once (`server/src/http/errors.ts`); the SCIM plugin maps the same codes to SCIM
 * error bodies. Codes are part of the public API: never rename one.
 */
export const ERROR_CODES = [
  'UNAUTHENTICATED', // no credential at all
  'INVALID_TOKEN', // a credential was given and is not acceptable
  'INVALID_CREDENTIALS', // login failed
  'FORBIDDEN', // authenticated, but the role or token scope does not allow it
  'SCIM_TOKEN_NOT_ALLOWED', // a SCIM administration token on a non-SCIM route
  'INSUFFICIENT_SCOPE', // the token's scopes do not include what the route needs (RFC 6750 §3.1)
  'IP_NOT_ALLOWED', // the token's IP allowlist does not include the client's address
  'CSRF_REJECTED',
  'NOT_FOUND',
  'NAME_TAKEN',
  'USER_EXISTS',
  'TOKEN_ACTIVE', // delete refused: revoke first
  'TOKEN_REVOKED', // rotation of a revoked token
  'CONNECTION_IN_USE', // delete refused: datastores still use the connection
  'LAST_ADMIN',
  'DEACTIVATED_BY_ADMIN', // SCIM may not reactivate a user an Admin deactivated
  'PUBLIC_TEAM',
  'INVALID_INPUT',
  'SETUP_UNAVAILABLE',
  'RATE_LIMITED',
  'STORE_UNAVAILABLE',
  'INTERNAL',
] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];

export class DomainError<C extends ErrorCode = ErrorCode> extends Error {
  /**
   * @param code stable machine code
   * @param message public, human message (it reaches the client)
   * @param field the input field at fault, for INVALID_INPUT and conflicts on a field
   * @param context private details for logs only
   */
  constructor(
    readonly code: C,
    message: string,
    readonly field?: string,
    readonly context?: Record<string, unknown>,
  ) {
    super(message);
    this.name = 'DomainError';
  }
}

/** RATE_LIMITED with the seconds after which a retry may succeed (the Retry-After header). */
export class RateLimitedError extends DomainError<'RATE_LIMITED'> {
  constructor(message: string, readonly retryAfterSeconds: number) {
    super('RATE_LIMITED', message);
  }
}

export const isDomainError = (e: unknown): e is DomainError => e instanceof DomainError;

export function invalidInput(field: string, message: string): DomainError<'INVALID_INPUT'> {
  return new DomainError('INVALID_INPUT', `${field}: ${message}`, field);
}

export function notFound(what: string): DomainError<'NOT_FOUND'> {
  return new DomainError('NOT_FOUND', `${what} not found`);
}
