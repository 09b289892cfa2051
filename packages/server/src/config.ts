import type { Deps } from '@gatehouse/core';
import { createPublicKey } from 'node:crypto';
import { parseArgs } from 'node:util';
import { resolve } from 'node:path';

/**
 * The one place that reads the environment (SPEC §6). Every setting has an environment
 * variable and, except secrets, a matching CLI flag; unknown GATEHOUSE_* variables and bad
 * values fail at start with a clear message.
 */
export interface Config {
  host: string;
  port: number;
  dataDir: string;
  databaseUrl: string | undefined;
  /** Raw signing secret(s), `kid:secret,kid:secret` or one secret; undefined = the data dir's file. */
  secret: string | undefined;
  adminEmail: string | undefined;
  adminPassword: string | undefined;
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  /** Longest token lifetime allowed, in days; undefined = "Never" allowed. */
  maxTokenDays: number | undefined;
  /** Trust X-Forwarded-* from a reverse proxy (sets Secure cookies behind HTTPS). */
  trustProxy: boolean;
  /** The public origin (e.g. https://gatehouse.example.com) for links and the CSRF origin check. */
  publicUrl: string | undefined;
  /** Seconds between `last_used` flushes. */
  usageFlushMs: number;
  /** Count each token's requests per day and per client (SPEC §10); false keeps `last_used` only. */
  usageCounting: boolean;
  /** Milliseconds between writes of those counts (at least the `last_used` interval). */
  usageCountsFlushMs: number;
  /** Write every audit event of the database as one JSON line to stdout (for a SIEM). */
  auditStdout: boolean;
  /** Worker processes on this host (node:cluster); 1 = no cluster. */
  workers: number;
  /** Verified tokens kept in memory per process; 0 disables the cache. */
  tokenCacheSize: number;
  /** Login attempts per client IP (all outcomes); null = no limit. */
  limitLoginIp: RateLimit | null;
  /** Failed logins per account (the e-mail given, known or not) before a lockout; null = no limit. */
  limitLoginAccount: RateLimit | null;
  /** First-Admin setup attempts per client IP; null = no limit. */
  limitSetupIp: RateLimit | null;
  /** Token creations (and rotations) per user; null = no limit. */
  limitTokenCreate: RateLimit | null;
  /** Refused bearer tokens per client IP before that IP gets 429 without verification; null = no limit. */
  limitInvalidToken: RateLimit | null;
  /** Answer 503 when the event loop lags more than this (ms); 0 = never. */
  maxEventLoopDelayMs: number;
  /** Answer 503 when the V8 heap in use exceeds this (MiB); undefined = 90 % of the heap limit, 0 = never. */
  maxHeapMb: number | undefined;
  /** Longest time to receive a whole request (ms); headers must arrive within min(this, 10 s). */
  requestTimeoutMs: number;
  /** Public keys (ECDSA P-256, PEM) whose signed leak reports POST /api/leaks accepts (SPEC §11); empty = Admin tokens only. */
  leakReportKeys: ReadonlyArray<{ keyIdentifier: string; pem: string }>;
  /** Milliseconds between rounds of the lifecycle jobs (reminders, idle revocation, webhook deliveries). */
  schedulerIntervalMs: number;
  /** Deliver webhooks to loopback, private and link-local addresses too. */
  webhookAllowPrivate: boolean;
  /** smtp://host:port or smtps://… for lifecycle e-mail; undefined = no e-mail. */
  smtpUrl: string | undefined;
  /** The From address of that e-mail. */
  mailFrom: string | undefined;
  /** OpenID Connect issuer for single sign-on (SPEC §8); undefined = no SSO. */
  oidcIssuer: string | undefined;
  oidcClientId: string | undefined;
  /** undefined = a public client (PKCE alone, no client authentication). */
  oidcClientSecret: string | undefined;
  /** The button's label: "Sign in with <name>". */
  oidcName: string;
  /** Scopes asked for; always includes `openid`. */
  oidcScopes: string;
  /** Create unknown people on their first sign-in (as Members). */
  oidcJit: boolean;
  /** Who may sign in with a password: everyone, only local Admins (break-glass), or nobody. */
  passwordLogin: PasswordLogin;
}

export type PasswordLogin = 'on' | 'admins' | 'off';

/** At most `max` events per `windowMs` per key (fixed window). */
/** What the use cases take from the configuration (Deps.policy and Deps.limits). */
export function useCaseSettings(c: Readonly<Config>): Pick<Deps, 'policy' | 'limits'> {
  return { policy: { maxLifetimeDays: c.maxTokenDays ?? null }, limits: { loginFailuresPerAccount: c.limitLoginAccount } };
}

export interface RateLimit {
  max: number;
  windowMs: number;
}

interface Setting {
  env: string;
  flag?: string;
  doc: string;
  default?: string;
}

/** Every setting, with its one-line documentation (printed by `--help`, mirrored in the README). */
export const SETTINGS = {
  host: { env: 'GATEHOUSE_HOST', flag: 'host', doc: 'address to listen on', default: '127.0.0.1' },
  port: { env: 'GATEHOUSE_PORT', flag: 'port', doc: 'port to listen on (0 = any free port)', default: '8000' },
  dataDir: { env: 'GATEHOUSE_DATA_DIR', flag: 'data-dir', doc: 'directory for the SQLite database and the generated secret', default: './data' },
  databaseUrl: { env: 'GATEHOUSE_DATABASE_URL', flag: 'database-url', doc: 'postgres://… for PostgreSQL; unset = SQLite in the data dir' },
  secret: { env: 'GATEHOUSE_SECRET', doc: 'signing/hashing secret(s): one secret, or kid:secret,kid:secret (first signs); unset = generated into the data dir' },
  adminEmail: { env: 'GATEHOUSE_ADMIN_EMAIL', flag: 'admin-email', doc: 'first Admin, created on first start when there are no users' },
  adminPassword: { env: 'GATEHOUSE_ADMIN_PASSWORD', doc: 'password of that first Admin (at least 12 characters)' },
  logLevel: { env: 'GATEHOUSE_LOG_LEVEL', flag: 'log-level', doc: 'fatal, error, warn, info, debug, trace or silent', default: 'info' },
  maxTokenDays: { env: 'GATEHOUSE_MAX_TOKEN_DAYS', flag: 'max-token-days', doc: 'longest token lifetime in days; unset = tokens may never expire' },
  trustProxy: { env: 'GATEHOUSE_TRUST_PROXY', flag: 'trust-proxy', doc: 'true behind a reverse proxy that sets X-Forwarded-*', default: 'false' },
  publicUrl: { env: 'GATEHOUSE_PUBLIC_URL', flag: 'public-url', doc: 'public origin, e.g. https://gatehouse.example.com' },
  usageFlushMs: { env: 'GATEHOUSE_USAGE_FLUSH_MS', doc: 'milliseconds between last_used flushes', default: '1000' },
  usageCounting: { env: 'GATEHOUSE_USAGE_COUNTING', doc: "count each token's requests per day and per client (false = last_used only)", default: 'true' },
  auditStdout: { env: 'GATEHOUSE_AUDIT_STDOUT', doc: 'true: every audit event as one JSON line on stdout, about a second after it is written, by whichever node (turn it on in one process)', default: 'false' },
  usageCountsFlushMs: { env: 'GATEHOUSE_USAGE_COUNTS_FLUSH_MS', doc: 'milliseconds between writes of those counts (each costs the database more than a last_used)', default: '60000' },
  tokenCacheSize: { env: 'GATEHOUSE_TOKEN_CACHE_SIZE', doc: 'verified tokens kept in memory per process, about 0.6 KB each (0 disables)', default: '50000' },
  workers: { env: 'GATEHOUSE_WORKERS', flag: 'workers', doc: 'server processes on this host sharing the port (node:cluster)', default: '1' },
  limitLoginIp: { env: 'GATEHOUSE_LIMIT_LOGIN_IP', doc: 'login attempts per client IP, as count/window (e.g. 30/1m; off = no limit)', default: '30/1m' },
  limitLoginAccount: { env: 'GATEHOUSE_LIMIT_LOGIN_ACCOUNT', doc: 'failed logins per account (known or not) before a lockout with Retry-After (count/window)', default: '10/15m' },
  limitSetupIp: { env: 'GATEHOUSE_LIMIT_SETUP_IP', doc: 'first-Admin setup attempts per client IP (count/window)', default: '10/15m' },
  limitTokenCreate: { env: 'GATEHOUSE_LIMIT_TOKEN_CREATE', doc: 'token creations and rotations per user (count/window)', default: '60/1m' },
  limitInvalidToken: { env: 'GATEHOUSE_LIMIT_INVALID_TOKEN', doc: 'refused bearer tokens per client IP before its requests get 429 (count/window)', default: '100/1m' },
  maxEventLoopDelayMs: { env: 'GATEHOUSE_MAX_EVENT_LOOP_DELAY_MS', doc: 'answer 503 + Retry-After while the event loop lags more than this (0 = never)', default: '1000' },
  maxHeapMb: { env: 'GATEHOUSE_MAX_HEAP_MB', doc: 'answer 503 + Retry-After while the JS heap in use exceeds this many MiB (unset = 90 % of the limit, 0 = never)' },
  requestTimeoutMs: { env: 'GATEHOUSE_REQUEST_TIMEOUT_MS', doc: 'longest time to receive a request, in ms (headers: at most 10 s)', default: '30000' },
  leakReportKeys: { env: 'GATEHOUSE_LEAK_REPORT_KEYS', doc: 'JSON list of {key_identifier, key} ECDSA P-256 PEM public keys whose signed reports POST /api/leaks accepts (GitHub secret scanning); unset = Admin tokens only' },
  schedulerIntervalMs: { env: 'GATEHOUSE_SCHEDULER_INTERVAL_MS', doc: 'milliseconds between rounds of the lifecycle jobs (reminders, idle revocation, webhook deliveries)', default: '60000' },
  smtpUrl: { env: 'GATEHOUSE_SMTP_URL', doc: 'smtp://host:port or smtps://user:pass@host:port for expiry reminders and idle warnings by e-mail; unset = no e-mail' },
  mailFrom: { env: 'GATEHOUSE_MAIL_FROM', doc: 'From address of that e-mail (required with GATEHOUSE_SMTP_URL)' },
  webhookAllowPrivate: { env: 'GATEHOUSE_WEBHOOK_ALLOW_PRIVATE', doc: 'true lets webhooks go to loopback, private and link-local addresses (checked at each delivery)', default: 'false' },
  oidcIssuer: { env: 'GATEHOUSE_OIDC_ISSUER', flag: 'oidc-issuer', doc: 'OpenID Connect issuer URL for single sign-on (discovery at /.well-known/openid-configuration); unset = no SSO' },
  oidcClientId: { env: 'GATEHOUSE_OIDC_CLIENT_ID', flag: 'oidc-client-id', doc: 'client id registered at the identity provider (redirect URI <public URL>/api/auth/oidc/callback)' },
  oidcClientSecret: { env: 'GATEHOUSE_OIDC_CLIENT_SECRET', doc: 'client secret; unset = a public client (PKCE only)' },
  oidcName: { env: 'GATEHOUSE_OIDC_NAME', flag: 'oidc-name', doc: 'label of the login button: "Sign in with <name>"', default: 'SSO' },
  oidcScopes: { env: 'GATEHOUSE_OIDC_SCOPES', flag: 'oidc-scopes', doc: 'scopes asked of the identity provider (openid is required)', default: 'openid email profile' },
  oidcJit: { env: 'GATEHOUSE_OIDC_JIT', flag: 'oidc-jit', doc: 'true creates unknown people on their first SSO sign-in, as Members', default: 'false' },
  passwordLogin: { env: 'GATEHOUSE_PASSWORD_LOGIN', flag: 'password-login', doc: 'on, admins (only local Admins may use a password: the break-glass path) or off', default: 'on' },
} as const satisfies Record<keyof Config, Setting>;

export class ConfigError extends Error {
  override name = 'ConfigError';
}

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
/** Variables that are not settings but may legitimately be present. */
const OTHER_KNOWN_ENV = new Set(['GATEHOUSE_REQUIRE_ALL', 'GATEHOUSE_TEST_PG_URL', 'GATEHOUSE_URL', 'GATEHOUSE_TOKEN', 'GATEHOUSE_CONFIG']);

/**
 * The process's environment, for the entry points (the server's and the CLI's), which hand it
 * on: nothing else reads `process.env`.
 */
export function processEnvironment(): NodeJS.ProcessEnv {
  return process.env;
}

/**
 * Not a setting: how a cluster's primary hands its one-time setup token to the workers it forks
 * (so that the link it printed works on all of them).
 */
export const CLUSTER_SETUP_TOKEN_ENV = 'GH_CLUSTER_SETUP_TOKEN';

/** The setup token a cluster worker was given by its primary, if any. */
export function inheritedSetupToken(env: NodeJS.ProcessEnv = process.env): string | null {
  return env[CLUSTER_SETUP_TOKEN_ENV] || null;
}

function int(name: string, raw: string, min: number, max: number): number {
  if (!/^\d+$/.test(raw) || Number(raw) < min || Number(raw) > max) {
    throw new ConfigError(`${name} must be an integer from ${min} to ${max}, got "${raw}"`);
  }
  return Number(raw);
}

const UNIT_MS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000 };

/** `count/window` with the window in s, m or h (`30/1m`, `5/15m`, `100/30s`); `off` or `0` = no limit. */
export function rateLimit(name: string, raw: string): RateLimit | null {
  if (raw === 'off' || raw === '0') return null;
  const m = /^(\d{1,7})\/(\d{1,5})(s|m|h)$/.exec(raw);
  if (!m || Number(m[1]) < 1 || Number(m[2]) < 1) {
    throw new ConfigError(`${name} must be count/window such as 30/1m (window in s, m or h) or off, got "${raw}"`);
  }
  return { max: Number(m[1]), windowMs: Number(m[2]) * UNIT_MS[m[3]!]! };
}

/** GATEHOUSE_LEAK_REPORT_KEYS: `[{"key_identifier": "…", "key": "-----BEGIN PUBLIC KEY-----…"}]`, each an ECDSA P-256 public key. */
function leakReportKeys(raw: string | undefined): Config['leakReportKeys'] {
  if (raw === undefined) return [];
  const name = 'GATEHOUSE_LEAK_REPORT_KEYS';
  let list: unknown;
  try {
    list = JSON.parse(raw);
  } catch {
    throw new ConfigError(`${name} must be a JSON list of {"key_identifier", "key"} objects`);
  }
  if (!Array.isArray(list)) throw new ConfigError(`${name} must be a JSON list of {"key_identifier", "key"} objects`);
  return Object.freeze(list.map((entry: unknown, i) => {
    const e = entry as Record<string, unknown> | null;
    if (typeof e?.key_identifier !== 'string' || e.key_identifier === '' || typeof e.key !== 'string') {
      throw new ConfigError(`${name}[${i}] needs a non-empty "key_identifier" and a PEM "key"`);
    }
    let details: { type: string; curve: string | undefined };
    try {
      const key = createPublicKey(e.key);
      details = { type: key.asymmetricKeyType ?? '', curve: key.asymmetricKeyDetails?.namedCurve };
    } catch {
      throw new ConfigError(`${name}[${i}] ("${e.key_identifier}"): "key" is not a PEM public key`);
    }
    if (details.type !== 'ec' || details.curve !== 'prime256v1') {
      throw new ConfigError(`${name}[${i}] ("${e.key_identifier}"): the key must be ECDSA P-256 (prime256v1)`);
    }
    return Object.freeze({ keyIdentifier: e.key_identifier, pem: e.key });
  }));
}

function bool(name: string, raw: string): boolean {
  if (/^(1|true|yes)$/i.test(raw)) return true;
  if (/^(0|false|no)$/i.test(raw)) return false;
  throw new ConfigError(`${name} must be true or false, got "${raw}"`);
}

/**
 * Parses environment and CLI flags (flags win) into a frozen Config.
 * @throws ConfigError on an unknown GATEHOUSE_* variable, an unknown flag or a bad value
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env, argv: string[] = []): Readonly<Config> {
  const settings = Object.entries(SETTINGS) as [keyof Config, Setting][];
  const known = new Set(settings.map(([, s]) => s.env));
  for (const name of Object.keys(env)) {
    if (name.startsWith('GATEHOUSE_') && !known.has(name) && !OTHER_KNOWN_ENV.has(name)) {
      throw new ConfigError(`unknown setting ${name}; known settings: ${[...known].join(', ')}`);
    }
  }
  let flags: Record<string, string | undefined>;
  try {
    const options = Object.fromEntries(settings.filter(([, s]) => s.flag).map(([, s]) => [s.flag!, { type: 'string' as const }]));
    flags = parseArgs({ args: argv, options, strict: true, allowPositionals: false }).values as Record<string, string | undefined>;
  } catch (e) {
    throw new ConfigError((e as Error).message);
  }
  const raw = (key: keyof Config): string | undefined => {
    const s: Setting = SETTINGS[key];
    const v = (s.flag ? flags[s.flag] : undefined) ?? env[s.env] ?? s.default;
    return v === '' ? undefined : v;
  };
  const logLevel = raw('logLevel')!;
  if (!(LOG_LEVELS as readonly string[]).includes(logLevel)) throw new ConfigError(`GATEHOUSE_LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}`);
  const databaseUrl = raw('databaseUrl');
  if (databaseUrl !== undefined && !/^(postgres(ql)?:\/\/|sqlite:)/.test(databaseUrl)) {
    throw new ConfigError('GATEHOUSE_DATABASE_URL must start with postgres://, postgresql:// or sqlite:');
  }
  const adminEmail = raw('adminEmail');
  const adminPassword = raw('adminPassword');
  if ((adminEmail === undefined) !== (adminPassword === undefined)) {
    throw new ConfigError('GATEHOUSE_ADMIN_EMAIL and GATEHOUSE_ADMIN_PASSWORD go together: set both or neither');
  }
  const publicUrl = raw('publicUrl');
  if (publicUrl !== undefined && !/^https?:\/\/[^/]+$/.test(publicUrl.replace(/\/$/, ''))) {
    throw new ConfigError('GATEHOUSE_PUBLIC_URL must be an origin such as https://gatehouse.example.com');
  }
  const maxTokenDays = raw('maxTokenDays');
  const smtpUrl = raw('smtpUrl');
  const mailFrom = raw('mailFrom');
  if (smtpUrl !== undefined && !/^smtps?:\/\/[^/]+/.test(smtpUrl)) throw new ConfigError('GATEHOUSE_SMTP_URL must be smtp://host:port or smtps://host:port');
  if (smtpUrl !== undefined && mailFrom === undefined) throw new ConfigError('GATEHOUSE_MAIL_FROM is required with GATEHOUSE_SMTP_URL');
  const sso = oidcSettings(raw);
  return Object.freeze({
    host: raw('host')!,
    port: int('GATEHOUSE_PORT', raw('port')!, 0, 65535),
    dataDir: resolve(raw('dataDir')!),
    databaseUrl,
    secret: raw('secret'),
    adminEmail,
    adminPassword,
    logLevel: logLevel as Config['logLevel'],
    maxTokenDays: maxTokenDays === undefined ? undefined : int('GATEHOUSE_MAX_TOKEN_DAYS', maxTokenDays, 1, 3650),
    trustProxy: bool('GATEHOUSE_TRUST_PROXY', raw('trustProxy')!),
    publicUrl: publicUrl?.replace(/\/$/, ''),
    usageFlushMs: int('GATEHOUSE_USAGE_FLUSH_MS', raw('usageFlushMs')!, 10, 60_000),
    usageCounting: bool('GATEHOUSE_USAGE_COUNTING', raw('usageCounting')!),
    auditStdout: bool('GATEHOUSE_AUDIT_STDOUT', raw('auditStdout')!),
    usageCountsFlushMs: int('GATEHOUSE_USAGE_COUNTS_FLUSH_MS', raw('usageCountsFlushMs')!, 10, 3_600_000),
    workers: int('GATEHOUSE_WORKERS', raw('workers')!, 1, 64),
    tokenCacheSize: int('GATEHOUSE_TOKEN_CACHE_SIZE', raw('tokenCacheSize')!, 0, 10_000_000),
    limitLoginIp: rateLimit('GATEHOUSE_LIMIT_LOGIN_IP', raw('limitLoginIp') ?? 'off'),
    limitLoginAccount: rateLimit('GATEHOUSE_LIMIT_LOGIN_ACCOUNT', raw('limitLoginAccount') ?? 'off'),
    limitSetupIp: rateLimit('GATEHOUSE_LIMIT_SETUP_IP', raw('limitSetupIp') ?? 'off'),
    limitTokenCreate: rateLimit('GATEHOUSE_LIMIT_TOKEN_CREATE', raw('limitTokenCreate') ?? 'off'),
    limitInvalidToken: rateLimit('GATEHOUSE_LIMIT_INVALID_TOKEN', raw('limitInvalidToken') ?? 'off'),
    maxEventLoopDelayMs: int('GATEHOUSE_MAX_EVENT_LOOP_DELAY_MS', raw('maxEventLoopDelayMs')!, 0, 600_000),
    maxHeapMb: raw('maxHeapMb') === undefined ? undefined : int('GATEHOUSE_MAX_HEAP_MB', raw('maxHeapMb')!, 0, 1_000_000),
    requestTimeoutMs: int('GATEHOUSE_REQUEST_TIMEOUT_MS', raw('requestTimeoutMs')!, 100, 600_000),
    leakReportKeys: leakReportKeys(raw('leakReportKeys')),
    schedulerIntervalMs: int('GATEHOUSE_SCHEDULER_INTERVAL_MS', raw('schedulerIntervalMs')!, 50, 86_400_000),
    webhookAllowPrivate: bool('GATEHOUSE_WEBHOOK_ALLOW_PRIVATE', raw('webhookAllowPrivate')!),
    smtpUrl,
    mailFrom,
    ...sso,
  });
}

const LOOPBACK = new Set(['localhost', '127.0.0.1', '[::1]']);

/** The single sign-on settings (SPEC §8), checked together: nonsense fails at start. */
function oidcSettings(raw: (key: keyof Config) => string | undefined): Pick<Config, 'oidcIssuer' | 'oidcClientId' | 'oidcClientSecret' | 'oidcName' | 'oidcScopes' | 'oidcJit' | 'passwordLogin'> {
  const issuer = raw('oidcIssuer');
  const clientId = raw('oidcClientId');
  const clientSecret = raw('oidcClientSecret');
  if (issuer !== undefined) {
    let url: URL;
    try {
      url = new URL(issuer);
    } catch {
      throw new ConfigError(`GATEHOUSE_OIDC_ISSUER must be a URL such as https://login.example.com, got "${issuer}"`);
    }
    // Plain HTTP only to this machine (a test or local provider); anything else must be HTTPS.
    if (url.protocol !== 'https:' && !(url.protocol === 'http:' && LOOPBACK.has(url.hostname))) {
      throw new ConfigError('GATEHOUSE_OIDC_ISSUER must be an https:// URL (http:// only for localhost)');
    }
    if (clientId === undefined) throw new ConfigError('GATEHOUSE_OIDC_ISSUER needs GATEHOUSE_OIDC_CLIENT_ID');
  } else if (clientId !== undefined || clientSecret !== undefined) {
    throw new ConfigError('GATEHOUSE_OIDC_CLIENT_ID and GATEHOUSE_OIDC_CLIENT_SECRET need GATEHOUSE_OIDC_ISSUER');
  }
  const scopes = raw('oidcScopes')!.trim().split(/\s+/);
  if (!scopes.includes('openid')) throw new ConfigError(`GATEHOUSE_OIDC_SCOPES must include openid, got "${scopes.join(' ')}"`);
  const name = raw('oidcName')!.trim();
  if (name.length === 0 || name.length > 50) throw new ConfigError('GATEHOUSE_OIDC_NAME must be 1 to 50 characters');
  const passwordLogin = raw('passwordLogin')!;
  if (passwordLogin !== 'on' && passwordLogin !== 'admins' && passwordLogin !== 'off') {
    throw new ConfigError(`GATEHOUSE_PASSWORD_LOGIN must be on, admins or off, got "${passwordLogin}"`);
  }
  if (passwordLogin !== 'on' && issuer === undefined) {
    throw new ConfigError(`GATEHOUSE_PASSWORD_LOGIN=${passwordLogin} needs single sign-on (GATEHOUSE_OIDC_ISSUER): nobody else could sign in`);
  }
  return {
    oidcIssuer: issuer,
    oidcClientId: clientId,
    oidcClientSecret: clientSecret,
    oidcName: name,
    oidcScopes: scopes.join(' '),
    oidcJit: bool('GATEHOUSE_OIDC_JIT', raw('oidcJit')!),
    passwordLogin,
  };
}

/** `--help` text for the settings. */
export function settingsHelp(): string {
  return Object.values(SETTINGS as Record<string, Setting>)
    .map((s) => `  ${(s.flag ? `--${s.flag}` : '').padEnd(18)} ${s.env.padEnd(26)} ${s.doc}${s.default ? ` (default ${s.default})` : ''}`)
    .join('\n');
}
