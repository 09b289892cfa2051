import { createHmac, timingSafeEqual } from 'node:crypto';
import type { Deps, SsoClaims } from '@gatehouse/core';
import * as oidc from 'openid-client';
import type { Config } from '../config.js';

/*
 * The OpenID Connect relying party of single sign-on (SPEC §8): the authorization code flow with
 * PKCE (RFC 7636, S256), `state` (RFC 6749 §10.12) and `nonce` (OIDC Core §3.1.2.1), all
 * checked by openid-client, a certified relying party. Gatehouse only keeps what the flow needs
 * between the two legs — state, nonce, PKCE verifier and where to go next — in a signed,
 * HttpOnly cookie that lives ten minutes (`FlowCookie`), so any node of a cluster can finish a
 * flow another started, and nothing is stored for abandoned sign-ins.
 */

/** Where the identity provider sends the browser back (registered at the IdP). */
export const CALLBACK_PATH = '/api/auth/oidc/callback';
/** The cookie holding one sign-in's state between the two legs. */
export const FLOW_COOKIE = 'gatehouse_oidc';
export const FLOW_TTL_MS = 10 * 60_000;

/** Why a sign-in did not reach the identity provider or did not come back right (the login page's `sso_error`). */
export type FlowFailure = 'idp_unreachable' | 'flow_expired' | 'state_mismatch' | 'idp_error' | 'invalid_response';

export class FlowError extends Error {
  constructor(readonly failure: FlowFailure, message: string, override readonly cause?: unknown) {
    super(message);
    this.name = 'FlowError';
  }
}

interface Flow {
  state: string;
  nonce: string;
  verifier: string;
  next: string;
  /** Expiry, in ms since the epoch (the app's clock). */
  exp: number;
}

/** A same-origin path to return to, else `/` (never `//host` or `/\host`, which browsers treat as other origins). */
export function safeNextPath(raw: unknown): string {
  if (typeof raw !== 'string' || raw.length > 2048) return '/';
  if (!/^\/(?![/\\])/.test(raw) || /[\u0000-\u001f\u007f]/.test(raw)) return '/';
  return raw;
}

export interface RelyingParty {
  /** The identity provider's authorization URL for a new flow, and the flow cookie's value. */
  begin(redirectUri: string, next: string): Promise<{ url: string; cookie: string }>;
  /** Finishes the flow the cookie started with the callback's URL; the verified claims and where to go next. */
  finish(cookie: string | undefined, callbackUrl: URL): Promise<{ claims: SsoClaims; next: string }>;
}

/** The relying party of these settings, or null when single sign-on is not configured. */
export function createRelyingParty(config: Readonly<Config>, deps: Pick<Deps, 'clock' | 'keyring'>): RelyingParty | null {
  const { oidcIssuer: issuer, oidcClientId: clientId } = config;
  if (!issuer || !clientId) return null;
  const scope = config.oidcScopes;
  let discovered: Promise<oidc.Configuration> | undefined;

  /** Discovery once per process, retried after a failure (the IdP may be down at start). */
  const configuration = (): Promise<oidc.Configuration> => {
    discovered ??= oidc
      .discovery(
        new URL(issuer),
        clientId,
        config.oidcClientSecret,
        config.oidcClientSecret === undefined ? oidc.None() : undefined,
        // Plain HTTP is accepted by the configuration for loopback issuers only.
        { timeout: 10, ...(new URL(issuer).protocol === 'http:' ? { execute: [oidc.allowInsecureRequests] } : {}) },
      )
      .catch((e: unknown) => {
        discovered = undefined;
        throw new FlowError('idp_unreachable', `OpenID discovery at ${issuer} failed`, e);
      });
    return discovered;
  };

  const mac = (payload: string) => createHmac('sha256', deps.keyring.sessionKey).update(`oidc-flow\0${payload}`).digest();

  const seal = (flow: Flow): string => {
    const payload = Buffer.from(JSON.stringify(flow)).toString('base64url');
    return `${payload}.${mac(payload).toString('base64url')}`;
  };

  const open = (cookie: string | undefined): Flow => {
    const [payload, sig] = (cookie ?? '').split('.');
    const given = Buffer.from(sig ?? '', 'base64url');
    const expected = payload ? mac(payload) : undefined;
    if (!payload || !expected || given.length !== expected.length || !timingSafeEqual(given, expected)) {
      throw new FlowError('flow_expired', 'no sign-in in progress in this browser');
    }
    const flow = JSON.parse(Buffer.from(payload, 'base64url').toString()) as Flow;
    if (flow.exp <= deps.clock.now().getTime()) throw new FlowError('flow_expired', 'the sign-in took longer than 10 minutes');
    return flow;
  };

  return {
    async begin(redirectUri, next) {
      const config = await configuration();
      const flow: Flow = {
        state: oidc.randomState(),
        nonce: oidc.randomNonce(),
        verifier: oidc.randomPKCECodeVerifier(),
        next: safeNextPath(next),
        exp: deps.clock.now().getTime() + FLOW_TTL_MS,
      };
      const url = oidc.buildAuthorizationUrl(config, {
        redirect_uri: redirectUri,
        scope,
        response_type: 'code',
        code_challenge: await oidc.calculatePKCECodeChallenge(flow.verifier),
        code_challenge_method: 'S256',
        state: flow.state,
        nonce: flow.nonce,
      });
      return { url: url.href, cookie: seal(flow) };
    },

    async finish(cookie, callbackUrl) {
      const flow = open(cookie);
      const params = callbackUrl.searchParams;
      // RFC 6749 §10.12: a response whose state is not this browser's flow is refused before anything else.
      if (params.get('state') !== flow.state) throw new FlowError('state_mismatch', 'the state does not match the sign-in started in this browser');
      if (params.has('error')) throw new FlowError('idp_error', `the identity provider answered ${params.get('error')}: ${params.get('error_description') ?? ''}`);
      const config = await configuration();
      let claims: Record<string, unknown>;
      try {
        const tokens = await oidc.authorizationCodeGrant(config, callbackUrl, {
          pkceCodeVerifier: flow.verifier,
          expectedState: flow.state,
          expectedNonce: flow.nonce,
          idTokenExpected: true,
        });
        const idToken = tokens.claims()!;
        claims = { ...idToken };
        // Many providers (and OIDC Core §5.4's default) put e-mail and name in UserInfo only.
        if (config.serverMetadata().userinfo_endpoint && (claims.email === undefined || claims.name === undefined)) {
          const info = await oidc.fetchUserInfo(config, tokens.access_token, idToken.sub);
          claims = { ...info, ...claims, email: claims.email ?? info.email, email_verified: claims.email_verified ?? info.email_verified };
        }
      } catch (e) {
        throw new FlowError('invalid_response', `the identity provider's answer was refused: ${(e as Error).message}`, e);
      }
      const str = (v: unknown) => (typeof v === 'string' && v.trim() !== '' ? v.trim() : null);
      const name = str(claims.name) ?? ([str(claims.given_name), str(claims.family_name)].filter((p) => p).join(' ') || null);
      return {
        claims: {
          issuer: config.serverMetadata().issuer,
          subject: String(claims.sub),
          email: str(claims.email),
          // Some providers send "true" as a string.
          emailVerified: claims.email_verified === true || claims.email_verified === 'true',
          name,
        },
        next: flow.next,
      };
    },
  };
}
