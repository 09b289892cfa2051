/** Query parameters whose values are credentials (OAuth-style `access_token`, the setup link's `token`, …). */
const SECRET_PARAMS = /([?&](?:access_token|token|setup_token|id_token|refresh_token|password|secret|api_key|apikey|code)=)[^&#]*/gi;

/**
 * The URL as it may be logged: values of credential-like query parameters replaced. Tokens in
 * query strings are never accepted, but a client that sends one must not get it written to the
 * logs either (RFC 6750 §2.3, §5.3).
 */
export function redactUrl(url: string): string {
  return url.indexOf('?') === -1 ? url : url.replace(SECRET_PARAMS, '$1[redacted]');
}
