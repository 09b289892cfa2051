import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './config.js';

describe('loadConfig', () => {
  it('has the defaults of SPEC §6', () => {
    const c = loadConfig({});
    expect(c).toMatchObject({ host: '127.0.0.1', port: 8000, databaseUrl: undefined, secret: undefined, logLevel: 'info', trustProxy: false, maxTokenDays: undefined });
    expect(c.dataDir).toMatch(/\/data$/);
    expect(Object.isFrozen(c)).toBe(true);
  });

  it('reads the environment, and CLI flags win over it', () => {
    const c = loadConfig({ GATEHOUSE_PORT: '9000', GATEHOUSE_HOST: '0.0.0.0', GATEHOUSE_DATABASE_URL: 'postgres://u@h/db' }, ['--port', '9100']);
    expect(c).toMatchObject({ port: 9100, host: '0.0.0.0', databaseUrl: 'postgres://u@h/db' });
  });

  it.each([
    [{ GATEHOUSE_PROT: '1' }, /unknown setting GATEHOUSE_PROT/],
    [{ GATEHOUSE_PORT: 'eighty' }, /GATEHOUSE_PORT must be an integer from 0 to 65535/],
    [{ GATEHOUSE_DATABASE_URL: 'mysql://x' }, /must start with postgres:\/\//],
    [{ GATEHOUSE_ADMIN_EMAIL: 'a@b.c' }, /go together/],
    [{ GATEHOUSE_LOG_LEVEL: 'loud' }, /must be one of/],
    [{ GATEHOUSE_TRUST_PROXY: 'maybe' }, /must be true or false/],
    [{ GATEHOUSE_PUBLIC_URL: 'https://x.io/path' }, /must be an origin/],
    [{ GATEHOUSE_MAX_TOKEN_DAYS: '0' }, /from 1 to 3650/],
    [{ GATEHOUSE_OIDC_ISSUER: 'https://login.example.com' }, /needs GATEHOUSE_OIDC_CLIENT_ID/],
    [{ GATEHOUSE_OIDC_ISSUER: 'http://login.example.com', GATEHOUSE_OIDC_CLIENT_ID: 'c' }, /must be an https:\/\/ URL \(http:\/\/ only for localhost\)/],
    [{ GATEHOUSE_OIDC_CLIENT_ID: 'c' }, /need GATEHOUSE_OIDC_ISSUER/],
    [{ GATEHOUSE_OIDC_ISSUER: 'https://l.example.com', GATEHOUSE_OIDC_CLIENT_ID: 'c', GATEHOUSE_OIDC_SCOPES: 'email profile' }, /must include openid/],
    [{ GATEHOUSE_PASSWORD_LOGIN: 'off' }, /needs single sign-on/],
    [{ GATEHOUSE_PASSWORD_LOGIN: 'sometimes' }, /must be on, admins or off/],
  ])('fails at start on %j', (env, message) => {
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(message);
  });

  it('single sign-on settings (SPEC §8): off by default; issuer, client and modes when given', () => {
    expect(loadConfig({})).toMatchObject({ oidcIssuer: undefined, oidcName: 'SSO', oidcScopes: 'openid email profile', oidcJit: false, passwordLogin: 'on' });
    const c = loadConfig(
      { GATEHOUSE_OIDC_ISSUER: 'https://login.example.com/tenant/v2.0', GATEHOUSE_OIDC_CLIENT_ID: 'gh', GATEHOUSE_OIDC_CLIENT_SECRET: 's', GATEHOUSE_OIDC_JIT: 'true' },
      ['--oidc-name', 'Okta', '--password-login', 'admins'],
    );
    expect(c).toMatchObject({ oidcIssuer: 'https://login.example.com/tenant/v2.0', oidcClientId: 'gh', oidcClientSecret: 's', oidcName: 'Okta', oidcJit: true, passwordLogin: 'admins' });
    expect(loadConfig({ GATEHOUSE_OIDC_ISSUER: 'http://localhost:9000', GATEHOUSE_OIDC_CLIENT_ID: 'gh' }).oidcClientSecret).toBeUndefined();
  });

  it('refuses unknown flags', () => {
    expect(() => loadConfig({}, ['--prot', '1'])).toThrow(/Unknown option '--prot'/);
  });
});
