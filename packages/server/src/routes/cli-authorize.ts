import { createHmac, timingSafeEqual } from 'node:crypto';
import {
  authenticateSession, createToken, DomainError, isDomainError, type Actor, type Deps, type Principal,
} from '@gatehouse/core';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import { sessionCookieOf } from '../http/session-cookie.js';
import type { App, AppContext } from '../http/context.js';

/*
 * Browser login of the Qualytics CLI (SPEC §3): the CLI listens on a loopback port and opens
 * GET /api/cli/authorize?redirect_uri&state&hostname. A logged-in user confirms on a
 * server-rendered page (no script: the CSP is script-src 'self'), the page POSTs a form back
 * here, a Personal token named after the hostname is created, and the browser is sent to
 * redirect_uri with `token` and `state` (or `error` and `state`), in the manner of RFC 8252
 * §7.3 (loopback redirection for native apps).
 */

const PATH = '/api/cli/authorize';

/** The lifetimes offered on the page (the UI's), in days; null = never. */
const LIFETIMES: Array<{ days: number | null; label: string }> = [
  { days: 30, label: '30 days' },
  { days: 60, label: '60 days' },
  { days: 90, label: '90 days' },
  { days: 365, label: '1 year' },
  { days: null, label: 'Never' },
];
const DEFAULT_DAYS = 30;

/**
 * The redirect URI if it is a loopback HTTP URL with an explicit port (RFC 8252 §7.3: only
 * `http://127.0.0.1:<port>/…` and `http://localhost:<port>/…`), else undefined. Nothing else
 * is ever redirected to, so a crafted link cannot send a token to another host.
 */
export function parseLoopbackRedirect(raw: string | undefined): URL | undefined {
  if (raw === undefined || raw.length > 2048) return undefined;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return undefined;
  }
  if (url.protocol !== 'http:' || (url.hostname !== '127.0.0.1' && url.hostname !== 'localhost')) return undefined;
  // An explicit port (the WHATWG parser drops :80, the default, which no CLI listener uses).
  if (url.port === '' || url.username !== '' || url.password !== '') return undefined;
  // "http://localhost:1234@evil.example/" parses with hostname evil.example, refused above;
  // and a raw string whose authority differs from the parsed one is refused too.
  if (!raw.toLowerCase().startsWith(`http://${url.hostname}:${url.port}`)) return undefined;
  url.hash = '';
  return url;
}

/** Printable, trimmed, at most 100 characters (the token-name limit). */
function cleanHostname(raw: string | undefined): string | undefined {
  const h = (raw ?? '').replace(/[\p{C}]/gu, '').trim().slice(0, 100).trim();
  return h === '' ? undefined : h;
}

const escapeHtml = (s: string): string =>
  s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

/** Per-session CSRF nonce: only a page served to this session can know it (the cookie is HttpOnly). */
function csrfNonce(deps: Deps, sessionId: string): string {
  return createHmac('sha256', deps.keyring.sessionKey).update(`cli-authorize\0${sessionId}`).digest('base64url');
}

function nonceMatches(expected: string, given: string | undefined): boolean {
  if (given === undefined) return false;
  const a = Buffer.from(expected);
  const b = Buffer.from(given);
  return a.length === b.length && timingSafeEqual(a, b);
}

function redirectWith(reply: FastifyReply, target: URL, params: Record<string, string | undefined>): FastifyReply {
  const url = new URL(target);
  for (const [k, v] of Object.entries(params)) if (v !== undefined) url.searchParams.set(k, v);
  return reply.header('cache-control', 'no-store').redirect(url.toString(), 303);
}

const STYLE = `
  :root { color-scheme: light dark; font-family: system-ui, sans-serif; }
  body { margin: 0; min-height: 100vh; display: grid; place-items: center; background: Canvas; color: CanvasText; }
  main { max-width: 30rem; padding: 2rem; border: 1px solid color-mix(in srgb, CanvasText 20%, transparent); border-radius: 12px; }
  h1 { font-size: 1.4rem; margin-top: 0; }
  code { font-size: 0.95em; padding: 0 0.2em; border-radius: 4px; background: color-mix(in srgb, CanvasText 8%, transparent); }
  label { display: block; margin: 1rem 0 0.3rem; font-weight: 600; }
  select { font: inherit; padding: 0.3rem; }
  .warning { font-size: 0.9rem; opacity: 0.85; }
  .buttons { display: flex; gap: 0.75rem; margin-top: 1.5rem; }
  button { font: inherit; padding: 0.5rem 1.1rem; border-radius: 8px; border: 1px solid; cursor: pointer; }
  button[value=approve] { background: #1c7ed6; color: white; border-color: #1c7ed6; }
  button[value=deny] { background: transparent; color: inherit; }
`;

function page(title: string, body: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)} · Gatehouse</title><style>${STYLE}</style></head>
<body><main>${body}</main></body></html>`;
}

/** OpenAPI: an answer that is an HTML page, and a redirect. */
const htmlPage = (description: string) => ({ description, content: { 'text/html': { schema: Type.String() } } });
const redirect = (description: string) => Type.Null({ description, headers: { Location: Type.String({ description: 'Where the browser goes' }) } });

function refusalPage(reply: FastifyReply, status: number, message: string): FastifyReply {
  return reply
    .code(status)
    .header('cache-control', 'no-store')
    .type('text/html; charset=utf-8')
    .send(page('CLI login refused', `<h1>CLI login refused</h1><p>${escapeHtml(message)}</p><p>No token was created. You can close this tab.</p>`));
}

interface AuthorizeParams {
  redirectUri: URL;
  state: string;
  hostname: string;
}

type Checked = { ok: true; params: AuthorizeParams } | { ok: false; send(reply: FastifyReply): FastifyReply };

/** Validates the three parameters; a bad redirect URI gets a page, anything else goes back to the CLI. */
function check(q: { redirect_uri?: string | undefined; state?: string | undefined; hostname?: string | undefined }): Checked {
  const redirectUri = parseLoopbackRedirect(q.redirect_uri);
  if (!redirectUri) {
    return {
      ok: false,
      send: (reply) =>
        refusalPage(reply, 400, 'The CLI asked to receive the token at an address that is not on this computer. Only http://127.0.0.1:<port>/… and http://localhost:<port>/… are accepted.'),
    };
  }
  const state = q.state ?? '';
  if (state === '' || state.length > 512) {
    return { ok: false, send: (reply) => redirectWith(reply, redirectUri, { error: 'invalid_request', error_description: 'state is required (at most 512 characters)' }) };
  }
  const hostname = cleanHostname(q.hostname);
  if (!hostname) {
    return { ok: false, send: (reply) => redirectWith(reply, redirectUri, { error: 'invalid_request', error_description: 'hostname is required', state }) };
  }
  return { ok: true, params: { redirectUri, state, hostname } };
}

async function sessionOf(ctx: AppContext, request: FastifyRequest): Promise<{ id: string; principal: Principal } | undefined> {
  const id = sessionCookieOf(request);
  if (id === undefined) return undefined;
  const principal = await authenticateSession(ctx.deps, id);
  return principal ? { id, principal } : undefined;
}

/** Creates the Personal token, named after the hostname, or "hostname (2)" … if that name is taken. */
async function createCliToken(deps: Deps, actor: Actor, hostname: string, days: number | null) {
  for (let n = 1; ; n++) {
    const suffix = n === 1 ? '' : ` (${n})`;
    try {
      return await createToken(deps, actor, { name: hostname.slice(0, 100 - suffix.length) + suffix, expiresInDays: days });
    } catch (e) {
      if (!(isDomainError(e) && e.code === 'NAME_TAKEN') || n >= 50) throw e;
    }
  }
}

const Query = Type.Object({
  redirect_uri: Type.Optional(Type.String()),
  state: Type.Optional(Type.String()),
  hostname: Type.Optional(Type.String()),
});

const Form = Type.Object({
  redirect_uri: Type.Optional(Type.String()),
  state: Type.Optional(Type.String()),
  hostname: Type.Optional(Type.String()),
  expires_in_days: Type.Optional(Type.String()),
  decision: Type.Optional(Type.String()),
  csrf: Type.Optional(Type.String()),
});

export async function cliAuthorizeRoutes(root: App, ctx: AppContext): Promise<void> {
  const { deps } = ctx;
  const maxDays = deps.policy.maxLifetimeDays;
  const lifetimes = LIFETIMES.filter((l) => (l.days === null ? maxDays === null : maxDays === null || l.days <= maxDays));
  const defaultDays = lifetimes.some((l) => l.days === DEFAULT_DAYS) ? DEFAULT_DAYS : (lifetimes[0]?.days ?? maxDays);

  // Encapsulated: the confirmation form is the one HTML form the server receives.
  await root.register(async (scope) => {
    const app = scope.withTypeProvider<TypeBoxTypeProvider>();
    app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string', bodyLimit: 16 * 1024 }, (_req, body, done) => {
      done(null, Object.fromEntries(new URLSearchParams(body as string)));
    });

    app.get(PATH, {
      // Public at the hook: without a session the browser is sent to the login page, not given a 401.
      config: { auth: 'public' },
      schema: {
        operationId: 'showCliAuthorizePage',
        tags: ['auth'],
        summary: 'Browser login of the Qualytics CLI',
        description: 'Opened by the CLI in a browser: a logged-in user approves a Personal token for the loopback `redirect_uri` (a browser page, not an API call).',
        querystring: Query,
        response: {
          200: htmlPage('The page asking the user to approve or deny'),
          302: redirect('No session: to the login page, which comes back here'),
          303: redirect('Back to the CLI (`redirect_uri`) with `error` and `state`: a parameter is missing or invalid'),
          400: htmlPage('The redirect_uri is not a loopback address: nothing is sent anywhere'),
        },
      },
    }, async (request, reply) => {
      const checked = check(request.query);
      if (!checked.ok) return checked.send(reply);
      const { redirectUri, state, hostname } = checked.params;

      const session = await sessionOf(ctx, request);
      if (!session) {
        // The web UI's login page returns to `next` after logging in.
        const back = `${PATH}?${new URLSearchParams({ redirect_uri: redirectUri.toString(), state, hostname }).toString()}`;
        return reply.header('cache-control', 'no-store').redirect(`/login?next=${encodeURIComponent(back)}`, 302);
      }
      const user = session.principal.user;
      const options = lifetimes
        .map((l) => `<option value="${l.days ?? 'never'}"${l.days === defaultDays ? ' selected' : ''}>${escapeHtml(l.label)}</option>`)
        .join('');
      const hidden = (name: string, value: string) => `<input type="hidden" name="${name}" value="${escapeHtml(value)}">`;
      const html = page('Authorize the CLI', `
<h1>Authorize the CLI on <code>${escapeHtml(hostname)}</code>?</h1>
<p>A command-line tool on the computer <strong>${escapeHtml(hostname)}</strong> asks to act as
<strong>${escapeHtml(user.name)}</strong> (${escapeHtml(user.userId)}).</p>
<p>Approving creates a Personal token named <code>${escapeHtml(hostname)}</code> and sends it to
<code>${escapeHtml(redirectUri.origin)}</code> on this computer. You can revoke it at any time in Settings → Tokens.</p>
<form method="post" action="${PATH}">
${hidden('redirect_uri', redirectUri.toString())}${hidden('state', state)}${hidden('hostname', hostname)}${hidden('csrf', csrfNonce(deps, session.id))}
<label for="expires_in_days">Expiration</label>
<select id="expires_in_days" name="expires_in_days">${options}</select>
<p class="warning">Only approve if you started this login yourself, just now.</p>
<div class="buttons">
<button type="submit" name="decision" value="approve">Approve</button>
<button type="submit" name="decision" value="deny">Deny</button>
</div>
</form>`);
      // CSP form-action also governs the redirect that follows the submission: allow this loopback origin only.
      const csp = String(reply.getHeader('content-security-policy') ?? '');
      reply.header('content-security-policy', csp.replace(/form-action [^;]*/, `form-action 'self' ${redirectUri.origin}`));
      // Under the app-wide "no-referrer", browsers send `Origin: null` with a form POST (Fetch
      // §3.2.5), which the origin check below would refuse: same-origin keeps the real Origin
      // there and still sends no Referer to the loopback redirect.
      reply.header('referrer-policy', 'same-origin');
      return reply.header('cache-control', 'no-store').type('text/html; charset=utf-8').send(html);
    });

    app.post(PATH, {
      config: { auth: 'public' },
      schema: {
        operationId: 'confirmCliAuthorize',
        tags: ['auth'],
        summary: 'Approve or deny a CLI login',
        description: "The form of the CLI login page (a browser's: session cookie, same origin, CSRF nonce). Approving creates the Personal token.",
        consumes: ['application/x-www-form-urlencoded'],
        body: Form,
        response: {
          303: redirect('Back to the CLI (`redirect_uri`) with `token` and `state`, or `error` and `state`'),
          400: htmlPage('The redirect_uri is not a loopback address: nothing is sent anywhere'),
          401: htmlPage('The session has ended'),
          403: htmlPage('The form did not come from the page (another origin, or a wrong CSRF nonce)'),
        },
      },
    }, async (request, reply) => {
      const checked = check(request.body);
      if (!checked.ok) return checked.send(reply);
      const { redirectUri, state, hostname } = checked.params;

      const session = await sessionOf(ctx, request);
      if (!session) return refusalPage(reply, 401, 'Your session has ended. Start the login from the CLI again.');
      // CSRF (SPEC §3): the Origin must be this server's, and the nonce must be this session's.
      const origin = request.headers.origin;
      const own = ctx.config.publicUrl ?? `${request.protocol}://${request.host}`;
      if (origin !== own || !nonceMatches(csrfNonce(deps, session.id), request.body.csrf)) {
        return refusalPage(reply, 403, 'This confirmation did not come from the Gatehouse page (cross-site request refused).');
      }
      if (request.body.decision !== 'approve') {
        return redirectWith(reply, redirectUri, { error: 'access_denied', error_description: 'The user denied the request', state });
      }
      const rawDays = request.body.expires_in_days ?? String(defaultDays);
      const days = rawDays === 'never' ? null : /^\d{1,4}$/.test(rawDays) ? Number(rawDays) : NaN;
      if (Number.isNaN(days)) return redirectWith(reply, redirectUri, { error: 'invalid_request', error_description: 'expires_in_days is invalid', state });

      const actor: Actor = { principal: session.principal, ip: request.ip, userAgent: request.headers['user-agent'] ?? null };
      try {
        const created = await createCliToken(deps, actor, hostname, days);
        request.log.info({ token: created.token.id }, 'CLI login: token created');
        return redirectWith(reply, redirectUri, { token: created.bearerToken, state });
      } catch (e) {
        if (!(e instanceof DomainError) || e.code === 'STORE_UNAVAILABLE' || e.code === 'INTERNAL') throw e;
        return redirectWith(reply, redirectUri, { error: e.code === 'INVALID_INPUT' ? 'invalid_request' : 'access_denied', error_description: e.message, state });
      }
    });
  });
}
