import type { ThrottleSettings } from './domain/attempt-throttle.ts';
import {
  BACKCHANNEL_LOGOUT_URI_RULE,
  isBackchannelLogoutUri,
} from './domain/backchannel-logout.ts';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';

/** Absolute path of the project root (the folder holding package.json). */
export const PROJECT_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

function readDefaults<T>(name: string): T {
  return JSON.parse(readFileSync(join(PROJECT_ROOT, 'config', name), 'utf8')) as T;
}

const bool = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'])
  .transform((v) => v === 'true' || v === '1' || v === 'yes');

const list = z.string().transform((v) =>
  v
    .split(/[\s,]+/)
    .map((s) => s.trim())
    .filter(Boolean),
);

const int = (min: number, max: number) => z.coerce.number().int().min(min).max(max);

/** An optional variable that an empty value (`KEY=` in a compose or .env file) leaves unset. */
const unsetWhenEmpty = (schema: z.ZodString) =>
  z.preprocess((v) => (v === '' ? undefined : v), schema.optional());

/** True for `smtp://host[:port]` and `smtps://...` (credentials allowed) with a host. */
function isSmtpUrl(value: string): boolean {
  if (!URL.canParse(value)) return false;
  const url = new URL(value);
  return (url.protocol === 'smtp:' || url.protocol === 'smtps:') && url.hostname !== '';
}

const envSchema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  HOST: z.string().min(1).default('127.0.0.1'),
  PORT: int(0, 65535).default(3000),
  ISSUER: z.url().optional(),
  TRUST_PROXY: bool.default(false),
  MONGODB_URI: z.string().startsWith('mongodb').optional(),
  DATA_DIR: z.string().min(1).default('.data'),
  CACHE_DIR: z.string().min(1).default('.cache'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  COOKIE_KEYS: list.optional(),
  TOTP_ENCRYPTION_KEYS: z.string().min(1).optional(),
  TOTP_ISSUER: z.string().min(1).max(64).default('Twofold'),
  TOTP_WINDOW: int(0, 10).default(1),
  TOTP_ENROLLMENT_MINUTES: int(1, 24 * 60).default(15),
  REMEMBER_BROWSER_DAYS: int(1, 365).default(90),
  OTP_FREE_FAILURES: int(1, 50).default(5),
  OTP_BASE_DELAY_SECONDS: int(1, 3600).default(30),
  OTP_MAX_DELAY_SECONDS: int(1, 86400).default(900),
  OTP_HARD_STOP_FAILURES: int(2, 99).default(20),
  PASSWORD_FREE_FAILURES: int(1, 50).default(5),
  PASSWORD_BASE_DELAY_SECONDS: int(1, 3600).default(30),
  PASSWORD_MAX_DELAY_SECONDS: int(1, 86400).default(900),
  ADDRESS_FREE_FAILURES: int(1, 10000).default(50),
  DEV_ADMINS_WITHOUT_2FA: bool.default(false),
  REAUTH_MAX_AGE_SECONDS: int(1, 86400).default(300),
  ARGON2_MEMORY_KIB: int(19456, 4 * 1024 * 1024).default(19456),
  ARGON2_TIME_COST: int(2, 20).default(2),
  ARGON2_PARALLELISM: int(1, 16).default(1),
  SESSION_IDLE_MINUTES: int(1, 24 * 60).default(30),
  SESSION_MAX_HOURS: int(1, 24 * 90).default(10),
  DB_CONNECT_TIMEOUT_MS: int(500, 120000).default(5000),
  DB_OPERATION_TIMEOUT_MS: int(100, 120000).default(3000),
  SMTP_URL: unsetWhenEmpty(
    z.string().refine(isSmtpUrl, {
      message: 'must be an smtp:// or smtps:// URL, e.g. smtps://user:password@mail.example.com',
    }),
  ),
  MAIL_FROM: unsetWhenEmpty(
    z
      .string()
      .max(320)
      .regex(/^[^\r\n]*@[^\r\n]*$/, 'must be an address, e.g. "Twofold <no-reply@example.com>"'),
  ),
  MAIL_RETRY_SECONDS: int(1, 3600).default(30),
  MAIL_GIVE_UP_HOURS: int(1, 24 * 30).default(72),
  ID_TOKEN_TTL_SECONDS: int(60, 86400).default(3600),
  ACCESS_TOKEN_TTL_SECONDS: int(60, 86400).default(3600),
  // RFC 6749 section 4.1.2: an authorization code lives 10 minutes at most.
  AUTHORIZATION_CODE_TTL_SECONDS: int(10, 600).default(60),
  INTERACTION_TTL_MINUTES: int(1, 24 * 60).default(30),
  REFRESH_TOKEN_TTL_DAYS: int(1, 365).default(14),
  ADMIN_API_TOKEN_TTL_SECONDS: int(60, 86400).default(600),
  // Bearer token for /metrics; unset: only direct connections from this host may read it.
  METRICS_TOKEN: unsetWhenEmpty(z.string().min(32, 'must be at least 32 characters')),
});

interface ClientSeed {
  client_id: string;
  client_name: string;
  env_prefix: string;
  default_secret: string;
  default_redirect_uris: string[];
  default_post_logout_redirect_uris: string[];
  first_party: boolean;
  require_mfa: boolean;
  /** Given to the client when first seeded in development without `<PREFIX>_BACKCHANNEL_LOGOUT_URI`. */
  development_backchannel_logout_uri?: string;
  /** A file in `public/`, served at `/static/<name>`, unless `<PREFIX>_LOGO_URI` is set. */
  logo?: string;
}

/** A relying party seeded into the database on every start (Produce and Manage). */
export interface SeedClient {
  clientId: string;
  clientName: string;
  clientSecret: string;
  redirectUris: string[];
  postLogoutRedirectUris: string[];
  firstParty: boolean;
  requireMfa: boolean;
  /** `<PREFIX>_BACKCHANNEL_LOGOUT_URI`; unset: the stored value is kept (`services/seed.ts`). */
  backchannelLogoutUri: string | undefined;
  /** What a client never given one gets (config/clients.json, development only). */
  defaultBackchannelLogoutUri: string | undefined;
  /** `<PREFIX>_CLIENT_URI`: the app's home page, where an ended sign-in starts again. */
  clientUri: string | undefined;
  /** `<PREFIX>_LOGO_URI`, else the logo file from config/clients.json (`services/seed.ts`). */
  logoUri: string | undefined;
  defaultLogo: string | undefined;
}

/** A role created on start when missing. */
export interface SeedRole {
  name: string;
  admin: boolean;
  enforce2fa: boolean;
}

/** Everything the process needs to know from its environment, validated once and frozen. */
export interface Config {
  env: 'development' | 'production' | 'test';
  host: string;
  port: number;
  issuer: string;
  trustProxy: boolean;
  secureCookies: boolean;
  mongodbUri: string | undefined;
  dataDir: string;
  cacheDir: string;
  logLevel: string;
  cookieKeys: string[];
  totpEncryptionKeys: string;
  totp: { issuer: string; window: number; enrollmentMinutes: number };
  rememberBrowserDays: number;
  otpThrottle: ThrottleSettings;
  /** Wrong passwords per account (sign-in and Profile re-checks share it), and per address. */
  passwordThrottle: { account: ThrottleSettings; address: ThrottleSettings };
  reauthMaxAgeSeconds: number;
  /**
   * Admins sign in with a second factor, everywhere, and the admin pages and API accept only such
   * sessions and tokens. False only with DEV_ADMINS_WITHOUT_2FA in development.
   */
  adminsNeedTwoFactor: boolean;
  argon2: { memoryCost: number; timeCost: number; parallelism: number };
  /**
   * Single sign-on and console sessions end after this long without activity, and this long
   * after the password was typed whatever the activity (NIST SP 800-63B AAL2; Keycloak's
   * defaults).
   */
  session: { idleSeconds: number; maxSeconds: number };
  dbConnectTimeoutMs: number;
  /** Deadline of every database call; past it the request answers 503. */
  dbOperationTimeoutMs: number;
  clients: SeedClient[];
  roles: SeedRole[];
  /** Security notifications by email (docs/notifications.md). */
  mail: MailSettings;
  /** Lifetimes of what the provider issues, in seconds. */
  ttl: TokenLifetimes;
  /** `METRICS_TOKEN` (a secret: never log it); unset → `/metrics` answers loopback only. */
  metricsToken: string | undefined;
}

/** Lifetimes in seconds of what the provider issues (README, Configuration). */
export interface TokenLifetimes {
  idToken: number;
  /** Access tokens for userinfo and the apps. */
  accessToken: number;
  authorizationCode: number;
  /** A sign-in's pages (the provider's interaction), and the console's wait for its return. */
  interaction: number;
  /** A grant and its refresh tokens (offline access); it outlives the SSO session. */
  grant: number;
  /** Access tokens for the admin API (RFC 8707 resource `$ISSUER/admin/api`). */
  adminApiAccessToken: number;
}

/** Where security notifications go and how long sending them is retried. */
export interface MailSettings {
  /** SMTP server (may hold credentials: never log it); unset → `.eml` files in `outboxDir`. */
  smtpUrl: string | undefined;
  from: string;
  /** The folder of `.eml` files written when there is no SMTP server. */
  outboxDir: string;
  retrySeconds: number;
  giveUpHours: number;
}

/** Thrown when the environment is invalid; main prints it and exits non-zero. */
export class ConfigError extends Error {
  override name = 'ConfigError';
}

interface DevSecrets {
  cookieKeys: string[];
  totpEncryptionKeys: string;
}

/**
 * Development and test runs need cookie and encryption keys without a hand step; they are
 * generated once and kept in the data folder so sessions and TOTP secrets survive restarts.
 * Production refuses to start without explicit keys.
 */
function devSecrets(dataDir: string): DevSecrets {
  const file = join(dataDir, 'dev-secrets.json');
  if (existsSync(file)) return JSON.parse(readFileSync(file, 'utf8')) as DevSecrets;
  const secrets: DevSecrets = {
    cookieKeys: [randomBytes(32).toString('base64url')],
    totpEncryptionKeys: `dev1:${randomBytes(32).toString('base64')}`,
  };
  // Owner only: these keys sign session cookies and decrypt TOTP secrets.
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  writeFileSync(file, JSON.stringify(secrets), { mode: 0o600 });
  return secrets;
}

/** `<PREFIX>_BACKCHANNEL_LOGOUT_URI`, validated (Back-Channel Logout 1.0 section 2.2). */
function backchannelLogoutUriFrom(name: string, value: string | undefined): string | undefined {
  if (value === undefined || value === '') return undefined;
  if (!isBackchannelLogoutUri(value)) {
    throw new ConfigError(`Invalid configuration:\n  ${name}: ${BACKCHANNEL_LOGOUT_URI_RULE}`);
  }
  return value;
}

/** `<PREFIX>_CLIENT_URI`, validated as the provider will (RFC 7591 `client_uri`: a web URL). */
function clientUriFrom(name: string, value: string | undefined): string | undefined {
  if (value === undefined || value === '') return undefined;
  if (!/^https?:\/\//.test(value) || !URL.canParse(value)) {
    throw new ConfigError(`Invalid configuration:\n  ${name}: must be an http:// or https:// URL`);
  }
  return value;
}

function seedClients(
  env: Record<string, string | undefined>,
  nodeEnv: Config['env'],
): SeedClient[] {
  const seeds = readDefaults<{ clients: ClientSeed[] }>('clients.json').clients;
  return seeds.map((seed) => {
    const pick = (suffix: string) => env[`${seed.env_prefix}_${suffix}`];
    const split = (value: string | undefined, fallback: string[]) =>
      value ? value.split(/[\s,]+/).filter(Boolean) : fallback;
    return {
      clientId: seed.client_id,
      clientName: seed.client_name,
      clientSecret: pick('CLIENT_SECRET') ?? seed.default_secret,
      redirectUris: split(pick('REDIRECT_URIS'), seed.default_redirect_uris),
      postLogoutRedirectUris: split(
        pick('POST_LOGOUT_REDIRECT_URIS'),
        seed.default_post_logout_redirect_uris,
      ),
      firstParty: seed.first_party,
      requireMfa: pick('REQUIRE_MFA') === 'true' || seed.require_mfa,
      backchannelLogoutUri: backchannelLogoutUriFrom(
        `${seed.env_prefix}_BACKCHANNEL_LOGOUT_URI`,
        pick('BACKCHANNEL_LOGOUT_URI'),
      ),
      defaultBackchannelLogoutUri:
        nodeEnv === 'development' ? seed.development_backchannel_logout_uri : undefined,
      clientUri: clientUriFrom(`${seed.env_prefix}_CLIENT_URI`, pick('CLIENT_URI')),
      logoUri: clientUriFrom(`${seed.env_prefix}_LOGO_URI`, pick('LOGO_URI')),
      defaultLogo: seed.logo,
    };
  });
}

/**
 * Reads and validates the environment once. Fails fast with every problem listed, so a
 * misconfigured deployment never starts half-working.
 */
export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
    throw new ConfigError(`Invalid configuration:\n${problems.join('\n')}`);
  }
  const e = parsed.data;
  const dataDir = resolve(PROJECT_ROOT, e.DATA_DIR);
  if (e.NODE_ENV === 'production' && (!e.COOKIE_KEYS || !e.TOTP_ENCRYPTION_KEYS)) {
    throw new ConfigError(
      'Invalid configuration: COOKIE_KEYS and TOTP_ENCRYPTION_KEYS are required when NODE_ENV=production',
    );
  }
  if (e.DEV_ADMINS_WITHOUT_2FA && e.NODE_ENV !== 'development') {
    throw new ConfigError(
      'Invalid configuration: DEV_ADMINS_WITHOUT_2FA is allowed only with NODE_ENV=development',
    );
  }
  const fallback = e.COOKIE_KEYS && e.TOTP_ENCRYPTION_KEYS ? undefined : devSecrets(dataDir);
  const cookieKeys = e.COOKIE_KEYS ?? fallback?.cookieKeys ?? [];
  if (cookieKeys.some((k) => k.length < 16)) {
    throw new ConfigError('Invalid configuration: each COOKIE_KEYS entry needs 16+ characters');
  }
  const issuer = (e.ISSUER ?? `http://localhost:${e.PORT}`).replace(/\/$/, '');
  requireProxyForHttps(issuer, e.TRUST_PROXY);
  const config: Config = {
    env: e.NODE_ENV,
    host: e.HOST,
    port: e.PORT,
    issuer,
    trustProxy: e.TRUST_PROXY,
    secureCookies: issuer.startsWith('https://'),
    mongodbUri: e.MONGODB_URI,
    dataDir,
    cacheDir: resolve(PROJECT_ROOT, e.CACHE_DIR),
    logLevel: e.LOG_LEVEL,
    cookieKeys,
    totpEncryptionKeys: e.TOTP_ENCRYPTION_KEYS ?? fallback?.totpEncryptionKeys ?? '',
    totp: {
      issuer: e.TOTP_ISSUER,
      window: e.TOTP_WINDOW,
      enrollmentMinutes: e.TOTP_ENROLLMENT_MINUTES,
    },
    rememberBrowserDays: e.REMEMBER_BROWSER_DAYS,
    otpThrottle: {
      freeFailures: e.OTP_FREE_FAILURES,
      baseDelaySeconds: e.OTP_BASE_DELAY_SECONDS,
      maxDelaySeconds: e.OTP_MAX_DELAY_SECONDS,
      hardStopFailures: e.OTP_HARD_STOP_FAILURES,
    },
    passwordThrottle: {
      account: {
        freeFailures: e.PASSWORD_FREE_FAILURES,
        baseDelaySeconds: e.PASSWORD_BASE_DELAY_SECONDS,
        maxDelaySeconds: e.PASSWORD_MAX_DELAY_SECONDS,
        hardStopFailures: null,
      },
      address: {
        freeFailures: e.ADDRESS_FREE_FAILURES,
        baseDelaySeconds: e.PASSWORD_BASE_DELAY_SECONDS,
        maxDelaySeconds: e.PASSWORD_MAX_DELAY_SECONDS,
        hardStopFailures: null,
      },
    },
    reauthMaxAgeSeconds: e.REAUTH_MAX_AGE_SECONDS,
    adminsNeedTwoFactor: !e.DEV_ADMINS_WITHOUT_2FA,
    argon2: {
      memoryCost: e.ARGON2_MEMORY_KIB,
      timeCost: e.ARGON2_TIME_COST,
      parallelism: e.ARGON2_PARALLELISM,
    },
    session: { idleSeconds: e.SESSION_IDLE_MINUTES * 60, maxSeconds: e.SESSION_MAX_HOURS * 3600 },
    dbConnectTimeoutMs: e.DB_CONNECT_TIMEOUT_MS,
    dbOperationTimeoutMs: e.DB_OPERATION_TIMEOUT_MS,
    clients: seedClients(env, e.NODE_ENV),
    roles: readDefaults<{ roles: SeedRole[] }>('roles.json').roles,
    mail: {
      smtpUrl: e.SMTP_URL,
      from: e.MAIL_FROM ?? `"${e.TOTP_ISSUER.replace(/["\\]/g, '')}" <no-reply@localhost>`,
      outboxDir: join(dataDir, 'outbox'),
      retrySeconds: e.MAIL_RETRY_SECONDS,
      giveUpHours: e.MAIL_GIVE_UP_HOURS,
    },
    ttl: {
      idToken: e.ID_TOKEN_TTL_SECONDS,
      accessToken: e.ACCESS_TOKEN_TTL_SECONDS,
      authorizationCode: e.AUTHORIZATION_CODE_TTL_SECONDS,
      interaction: e.INTERACTION_TTL_MINUTES * 60,
      grant: e.REFRESH_TOKEN_TTL_DAYS * 24 * 3600,
      adminApiAccessToken: e.ADMIN_API_TOKEN_TTL_SECONDS,
    },
    metricsToken: e.METRICS_TOKEN,
  };
  return deepFreeze(config);
}

/**
 * An https issuer means Secure cookies, which the provider never sends over a connection it sees
 * as plain http. It listens on plain http (TLS ends at a proxy), so without `TRUST_PROXY` it
 * cannot see the proxy's `X-Forwarded-Proto: https` and every page that sets a cookie would
 * fail with a 500: refuse to start instead, naming both variables.
 */
function requireProxyForHttps(issuer: string, trustProxy: boolean): void {
  if (!issuer.startsWith('https://') || trustProxy) return;
  throw new ConfigError(
    'Invalid configuration: ISSUER is https:// but TRUST_PROXY is not true. Twofold serves plain ' +
      'http behind a TLS-terminating proxy and needs TRUST_PROXY=true to trust its ' +
      'X-Forwarded-Proto (the proxy must set it and strip it from clients); otherwise every ' +
      'page that sets a Secure cookie fails. Set TRUST_PROXY=true, or use an http:// ISSUER.',
  );
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object') {
    for (const inner of Object.values(value)) deepFreeze(inner);
    Object.freeze(value);
  }
  return value;
}
