import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import Provider, { type Configuration } from 'oidc-provider';

/*
 * A real OpenID provider for tests: `oidc-provider` (the certified Node OP) on a loopback port,
 * with one confidential test client and in-memory accounts, and a minimal sign-in page of its own
 * ("Sign in to Test IdP": a user name, no password) so that a browser or `signIn()` can get
 * through it. PKCE is required, as a real provider may.
 */

export interface IdpAccount {
  email?: string;
  email_verified?: boolean;
  name?: string;
}

export interface TestIdp {
  issuer: string;
  clientId: string;
  clientSecret: string;
  /** Accounts by subject; tests add and change them. */
  accounts: Map<string, IdpAccount>;
  /** Registers the relying party's redirect URI (its port is known once it listens). */
  setRedirectUri(uri: string): void;
  /**
   * Plays the browser at the provider: follows `authorizeUrl`, signs in as `subject` on the
   * provider's page, and returns the URL the provider sends the browser back to (the callback).
   */
  signIn(authorizeUrl: string, subject: string): Promise<URL>;
  close(): Promise<void>;
}

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

async function formBody(req: IncomingMessage): Promise<URLSearchParams> {
  let body = '';
  for await (const chunk of req) body += chunk;
  return new URLSearchParams(body);
}

/**
 * Starts the provider on `host` (e.g. `localhost`, another site than a relying party on
 * 127.0.0.1, so that a browser treats the return as cross-site, as in production).
 */
export async function startTestIdp(opts: { host?: string } = {}): Promise<TestIdp> {
  const host = opts.host ?? '127.0.0.1';
  const accounts = new Map<string, IdpAccount>();
  const clientId = 'gatehouse-test';
  const clientSecret = 'test-client-secret-0123456789abcdef';
  let provider: Provider | undefined;

  const server: Server = createServer((req, res) => void handle(req, res));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const issuer = `http://${host}:${(server.address() as AddressInfo).port}`;

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    try {
      const path = (req.url ?? '/').split('?')[0]!;
      const m = /^\/interaction\/([^/]+)$/.exec(path);
      if (!provider) return void res.writeHead(503).end();
      if (!m) return provider.callback()(req, res);
      const details = await provider.interactionDetails(req, res);
      if (req.method === 'GET') {
        res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(`<!doctype html><html lang="en"><head><title>Test IdP</title></head>
<body><main><h1>Sign in to Test IdP</h1>
<form method="post" action="/interaction/${escapeHtml(details.uid)}">
<label for="username">User name</label> <input id="username" name="username" autocomplete="off">
<button type="submit">Sign in</button></form></main></body></html>`);
        return;
      }
      const subject = (await formBody(req)).get('username') ?? '';
      if (!accounts.has(subject)) {
        return provider.interactionFinished(req, res, { error: 'access_denied', error_description: 'unknown account' }, { mergeWithLastSubmission: false });
      }
      const grant = new provider.Grant({ accountId: subject, clientId: String(details.params.client_id) });
      grant.addOIDCScope(String(details.params.scope));
      const grantId = await grant.save();
      await provider.interactionFinished(req, res, { login: { accountId: subject }, consent: { grantId } }, { mergeWithLastSubmission: false });
    } catch (e) {
      res.writeHead(500, { 'content-type': 'text/plain' }).end(String(e));
    }
  }

  const configuration = (redirectUri: string): Configuration => ({
    clients: [{ client_id: clientId, client_secret: clientSecret, redirect_uris: [redirectUri], grant_types: ['authorization_code'], response_types: ['code'] }],
    pkce: { required: () => true },
    ttl: { Grant: 600, Session: 600, AccessToken: 600, IdToken: 600, Interaction: 600, AuthorizationCode: 60 },
    features: { devInteractions: { enabled: false } },
    interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
    claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name'] },
    cookies: { keys: ['test-idp-cookie-key-0123456789'] },
    findAccount: (_ctx, sub) => {
      const account = accounts.get(sub);
      return account ? { accountId: sub, claims: () => ({ sub, ...account }) } : undefined;
    },
  });

  return {
    issuer,
    clientId,
    clientSecret,
    accounts,
    setRedirectUri(uri) {
      provider = new Provider(issuer, configuration(uri));
    },
    async signIn(authorizeUrl, subject) {
      const jar = new Map<string, string>();
      const send = async (url: string, init: RequestInit = {}) => {
        const res = await fetch(url, {
          ...init,
          redirect: 'manual',
          headers: { ...(init.headers as Record<string, string>), cookie: [...jar].map(([k, v]) => `${k}=${v}`).join('; ') },
        });
        for (const c of res.headers.getSetCookie()) {
          const [pair] = c.split(';');
          const eq = pair!.indexOf('=');
          jar.set(pair!.slice(0, eq), pair!.slice(eq + 1));
        }
        return res;
      };
      let res = await send(authorizeUrl);
      let location = res.headers.get('location');
      // Into the provider's sign-in page, submit it, and follow the provider's redirects until they leave it.
      for (let hops = 0; location !== null && hops < 10; hops++) {
        const url = new URL(location, issuer);
        if (url.origin !== issuer) return url;
        if (/^\/interaction\//.test(url.pathname)) {
          await send(url.href);
          res = await send(url.href, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ username: subject }).toString() });
        } else {
          res = await send(url.href);
        }
        location = res.headers.get('location');
      }
      throw new Error(`the provider did not redirect back (status ${res.status}): ${await res.text()}`);
    },
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}
