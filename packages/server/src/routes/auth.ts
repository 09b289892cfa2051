import { DomainError, completeSetup, endOtherOwnSessions, endOwnSession, listOwnSessions, login, logout, checkPassword } from '@gatehouse/core';
import { Type } from 'typebox';
import { SESSION_COOKIE, sessionCookieOf } from '../http/session-cookie.js';
import { actorOf, type App, type AppContext } from '../http/context.js';
import { errorResponses, IdParams, SessionSchema, sessionToWire, UserSchema, userToWire } from '../http/wire.js';
import { SESSION_TTL_MS } from '@gatehouse/core';
import type { FastifyReply, FastifyRequest } from 'fastify';

/** The session cookie (SameSite=Strict: no other site can make the browser send it). */
export function setSessionCookie(request: FastifyRequest, reply: FastifyReply, sessionId: string): void {
  reply.setCookie(SESSION_COOKIE, sessionId, {
    httpOnly: true,
    sameSite: 'strict',
    secure: request.protocol === 'https',
    path: '/',
    maxAge: SESSION_TTL_MS / 1000,
  });
}

const Credentials = Type.Object({
  email: Type.String({ minLength: 1, maxLength: 320 }),
  password: Type.String({ minLength: 1, maxLength: 1024 }),
});

export async function authRoutes(app: App, ctx: AppContext): Promise<void> {
  const { deps } = ctx;

  app.post('/api/auth/login', {
    config: { auth: 'public' },
    schema: {
      operationId: 'login',
      tags: ['auth'],
      summary: 'Log in with e-mail and password',
      description: 'For people only (service accounts never log in). Sets the session cookie used by the web UI.',
      body: Credentials,
      response: { 200: Type.Object({ user: UserSchema }), ...errorResponses(401, 403, 422, 429) },
    },
  }, async (request, reply) => {
    if (ctx.config.passwordLogin === 'off') {
      throw new DomainError('FORBIDDEN', `Password sign-in is turned off here: sign in with ${ctx.config.oidcName}`);
    }
    const { user, sessionId } = await login(deps, {
      ...request.body,
      ip: request.ip,
      userAgent: request.headers['user-agent'] ?? null,
      onlyLocalAdmins: ctx.config.passwordLogin === 'admins',
    });
    setSessionCookie(request, reply, sessionId);
    return { user: userToWire(user) };
  });

  app.post('/api/auth/logout', {
    config: { auth: 'public' },
    schema: { operationId: 'logout', tags: ['auth'], summary: 'End the session of this browser', response: { 204: Type.Null() } },
  }, async (request, reply) => {
    const cookie = sessionCookieOf(request);
    if (cookie) await logout(deps, cookie, { ip: request.ip, userAgent: request.headers['user-agent'] ?? null });
    reply.clearCookie(SESSION_COOKIE, { path: '/' });
    return reply.code(204).send(null);
  });

  app.get('/api/auth/setup', {
    config: { auth: 'public' },
    schema: { operationId: 'getSetupStatus', tags: ['auth'], summary: 'Whether the first Admin still has to be created', response: { 200: Type.Object({ setup_required: Type.Boolean() }) } },
  }, async () => ({ setup_required: ctx.setupToken.current !== null && (await deps.store.users.count()) === 0 }));

  app.post('/api/auth/setup', {
    config: { auth: 'public' },
    schema: {
      operationId: 'createFirstAdmin',
      tags: ['auth'],
      summary: 'Create the first Admin',
      description: 'With the one-time setup token printed in the log at start, while no user exists. Logs the new Admin in.',
      body: Type.Object({
        setup_token: Type.String({ minLength: 1, maxLength: 200 }),
        email: Type.String({ minLength: 3, maxLength: 320 }),
        name: Type.String({ minLength: 1, maxLength: 100 }),
        password: Type.String({ minLength: 1, maxLength: 1024 }),
      }),
      response: { 200: Type.Object({ user: UserSchema }), ...errorResponses(403, 422) },
    },
  }, async (request, reply) => {
    const { setup_token, email, name, password } = request.body;
    checkPassword(password);
    await completeSetup(deps, ctx.setupToken.current, { setupToken: setup_token, email, name, password });
    ctx.setupToken.current = null;
    const { user, sessionId } = await login(deps, { email, password, ip: request.ip, userAgent: request.headers['user-agent'] ?? null });
    setSessionCookie(request, reply, sessionId);
    return { user: userToWire(user) };
  });

  app.get('/api/auth/sessions', {
    config: { scope: 'users:read' },
    schema: {
      operationId: 'listOwnSessions',
      tags: ['auth'],
      summary: "List the caller's browser sessions",
      description: 'The session this request was made with is marked `current`.',
      response: { 200: Type.Array(SessionSchema), ...errorResponses(401) },
    },
  }, async (request) => (await listOwnSessions(deps, actorOf(request))).map(sessionToWire));

  app.delete('/api/auth/sessions', {
    config: { scope: 'users:write' },
    schema: {
      operationId: 'endOtherOwnSessions',
      tags: ['auth'],
      summary: "End the caller's other sessions",
      description: 'Every session of the caller but the one in use, e.g. after losing a laptop.',
      response: { 200: Type.Object({ ended: Type.Integer() }), ...errorResponses(401) },
    },
  }, async (request) => ({ ended: await endOtherOwnSessions(deps, actorOf(request)) }));

  app.delete('/api/auth/sessions/:id', {
    config: { scope: 'users:write' },
    schema: {
      operationId: 'endOwnSession',
      tags: ['auth'],
      summary: "End one of the caller's sessions",
      params: IdParams,
      response: { 204: Type.Null(), ...errorResponses(401, 404) },
    },
  }, async (request, reply) => {
    await endOwnSession(deps, actorOf(request), request.params.id);
    return reply.code(204).send(null);
  });
}
