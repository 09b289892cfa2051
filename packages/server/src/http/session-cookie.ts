import { fastifyCookie } from '@fastify/cookie';
import type { FastifyRequest } from 'fastify';

/** The browser session's cookie (SPEC §3), set by the auth routes and read by the auth hook. */
export const SESSION_COOKIE = 'gatehouse_session';

/** The session id from a request's Cookie header, if any (parsed here: no cookie plugin on the hot path). */
export function sessionCookieOf(request: FastifyRequest): string | undefined {
  const header = request.headers.cookie;
  return header ? fastifyCookie.parse(header)[SESSION_COOKIE] : undefined;
}
