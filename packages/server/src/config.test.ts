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
  ])('fails at start on %j', (env, message) => {
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(message);
  });

  it('refuses unknown flags', () => {
    expect(() => loadConfig({}, ['--prot', '1'])).toThrow(/Unknown option '--prot'/);
  });
});
