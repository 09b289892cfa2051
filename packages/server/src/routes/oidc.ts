import { fastifyCookie } from '@fastify/cookie';
import { recordSsoFlowFailure, signInWithSso } from '@gatehouse/core';
import { Type } from 'typebox';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { App, AppContext } from '../http/context.js';
import { CALLBACK_PATH, createRelyingParty, FLOW_COOKIE, FLOW_TTL_MS, FlowError, safeNextPath } from '../sso/relying-party.js';
import { setSessionCookie } from './auth.js';

/*
 * Single sign-on routes (SPEC §8). Both legs are browser navigations: failures go back to the
 * login page with `sso_error=<code>` (the page words it; no text from the URL is shown), never
 * a JSON error page.
 */

const FLOW_COOKIE_PATH = '/api/auth/oidc';

/** OpenAPI: a redirect. */
const redirect = (description: string) => Type.Null({ description, headers: { Location: Type.String({ description: 'Where the browser goes' }) } });

const escapeHtml = (s: string): string =>
  s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

function backToLogin(reply: FastifyReply, code: string, next: string): FastifyReply {
  const q = new URLSearchParams({ sso_error: code, ...(next !== '/' ? { next } : {}) });
  return reply.header('cache-control', 'no-store').redirect(`/login?${q.toString()}`, 302);
}

const client = (request: FastifyRequest) => ({ ip: request.ip, userAgent: request.headers['user-agent'] ?? null });

export async function oidcRoutes(app: App, ctx: AppContext): Promise<void> {
  const { config, deps } = ctx;
  const rp = createRelyingParty(config, deps);
  const own = (request: FastifyRequest) => config.publicUrl ?? `${request.protocol}://${request.host}`;

  app.get('/api/auth/config', {
    config: { auth: 'public' },
    schema: {
      operationId: 'getAuthConfig',
      tags: ['auth'],
      summary: 'How people sign in here (for the login page)',
      description: 'Password login (`on`, `admins`: local Admins only, `off`) and single sign-on (its button label), or `sso: null` when it is not set up.',
      response: {
        200: Type.Object({
          password_login: Type.Union([Type.Literal('on'), Type.Literal('admins'), Type.Literal('off')]),
          sso: Type.Union([Type.Object({ name: Type.String() }), Type.Null()]),
        }),
      },
    },
  }, async () => ({ password_login: config.passwordLogin, sso: rp ? { name: config.oidcName } : null }));

  app.get('/api/auth/oidc/login', {
    config: { auth: 'public' },
    schema: {
      operationId: 'startSsoLogin',
      tags: ['auth'],
      summary: 'Start single sign-on (a browser navigation)',
      description: 'Redirects to the identity provider: the authorization code flow with PKCE, `state` and `nonce` (OpenID Connect). On failure, back to the login page with `sso_error`.',
      querystring: Type.Object({ next: Type.Optional(Type.String({ maxLength: 2048, description: 'A path of this site to go to once signed in' })) }),
      response: { 302: redirect('To the identity provider, or back to the login page with `sso_error`') },
    },
  }, async (request, reply) => {
    const next = safeNextPath(request.query.next);
    if (!rp) return backToLogin(reply, 'not_configured', next);
    try {
      const { url, cookie } = await rp.begin(`${own(request)}${CALLBACK_PATH}`, next);
      // Lax, not Strict: the identity provider's redirect back is a cross-site navigation, and
      // this cookie must come with it (it holds nothing that acts for the user by itself).
      reply.setCookie(FLOW_COOKIE, cookie, {
        httpOnly: true, sameSite: 'lax', secure: request.protocol === 'https', path: FLOW_COOKIE_PATH, maxAge: FLOW_TTL_MS / 1000,
      });
      return reply.header('cache-control', 'no-store').redirect(url, 302);
    } catch (e) {
      if (!(e instanceof FlowError)) throw e;
      request.log.warn({ err: e.cause ?? e }, `single sign-on: ${e.message}`);
      return backToLogin(reply, e.failure, next);
    }
  });

  app.get(CALLBACK_PATH, {
    config: { auth: 'public' },
    schema: {
      operationId: 'finishSsoLogin',
      tags: ['auth'],
      summary: "The identity provider's redirect back (the registered redirect URI)",
      description: 'Checks `state`, PKCE and the ID token, signs the person in (session cookie) and continues to `next` through a page of this site (so that the SameSite=Strict cookie goes with the next navigation). Refusals go back to the login page with `sso_error`.',
      // The provider's parameters (code, state, iss, error…) are read by the relying party.
      querystring: Type.Object({}, { additionalProperties: true }),
      response: {
        200: { description: 'Signed in: a page that continues to `next`', content: { 'text/html': { schema: Type.String() } } },
        302: redirect('Refused: to the login page with `sso_error`'),
      },
    },
  }, async (request, reply) => {
    if (!rp) return backToLogin(reply, 'not_configured', '/');
    reply.clearCookie(FLOW_COOKIE, { path: FLOW_COOKIE_PATH });
    const callbackUrl = new URL(`${own(request)}${CALLBACK_PATH}${request.url.slice(request.url.indexOf('?') === -1 ? request.url.length : request.url.indexOf('?'))}`);
    let finished;
    try {
      finished = await rp.finish(request.headers.cookie ? fastifyCookie.parse(request.headers.cookie)[FLOW_COOKIE] : undefined, callbackUrl);
    } catch (e) {
      if (!(e instanceof FlowError)) throw e;
      request.log.info({ err: e.cause ?? undefined }, `single sign-on refused: ${e.message}`);
      await recordSsoFlowFailure(deps, config.oidcIssuer!, e.failure, client(request));
      return backToLogin(reply, e.failure, '/');
    }
    const result = await signInWithSso(deps, finished.claims, client(request), { jit: config.oidcJit });
    if (!result.ok) return backToLogin(reply, result.reason.toLowerCase(), finished.next);
    setSessionCookie(request, reply, result.sessionId);
    // Not a 302 to `next`: a redirect that ends a cross-site chain (the provider's) is itself
    // cross-site, so the SameSite=Strict session cookie would not come with it (and a server
    // page such as the CLI's /api/cli/authorize would ask to sign in again). This page is on our
    // own site: the navigation it starts is same-site, and the cookie goes along.
    const next = escapeHtml(finished.next);
    return reply
      .header('cache-control', 'no-store')
      .type('text/html; charset=utf-8')
      .send(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta http-equiv="refresh" content="0;url=${next}"><title>Signed in · Gatehouse</title></head>
<body><p>Signed in as ${escapeHtml(result.user.name)}. <a href="${next}">Continue</a></p></body></html>`);
  });
}
