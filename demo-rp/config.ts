import { z } from 'zod';

/**
 * Development-only cookie signing key. It is public (it sits in the source), which is fine for a
 * local demo of single sign-on; anyone running the demo RP somewhere reachable by others must set
 * `RP_COOKIE_KEY` to a long random value (for example `openssl rand -base64 32`).
 */
const DEV_COOKIE_KEY = 'demo-rp-dev-cookie-key-not-for-production';

const bool = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'])
  .transform((v) => v === 'true' || v === '1' || v === 'yes');

const envSchema = z.object({
  RP_NAME: z.string().trim().min(1).max(64).default('Produce'),
  RP_PORT: z.coerce.number().int().min(0).max(65535).default(4001),
  RP_HOST: z.string().trim().min(1).default('127.0.0.1'),
  RP_BASE_URL: z.url({ protocol: /^https?$/ }).optional(),
  RP_TRUST_PROXY: bool.default(false),
  ISSUER: z.url({ protocol: /^https?$/ }).default('http://localhost:3000'),
  CLIENT_ID: z.string().trim().min(1).default('produce'),
  CLIENT_SECRET: z.string().min(1).default('produce-dev-secret'),
  RP_TOKEN_ENDPOINT_AUTH_METHOD: z
    .enum(['client_secret_basic', 'client_secret_post'])
    .default('client_secret_basic'),
  RP_SCOPES: z.string().trim().min(1).default('openid profile email roles'),
  RP_ACR_VALUES: z.string().trim().min(1).optional(),
  RP_COOKIE_KEY: z.string().min(16).default(DEV_COOKIE_KEY),
  RP_DISCOVERY_TIMEOUT_SECONDS: z.coerce.number().int().min(1).max(120).default(5),
});

/** Settings of one demo relying party (Produce or Manage), validated and frozen. */
export interface DemoRpConfig {
  /** Display name, e.g. "Produce". */
  name: string;
  host: string;
  port: number;
  /** Public origin (and optional path) of this RP, without a trailing slash. */
  baseUrl: string;
  /** `baseUrl + '/callback'`; must be registered at the provider. */
  redirectUri: string;
  /** `baseUrl + '/'`; must be registered at the provider. */
  postLogoutRedirectUri: string;
  /**
   * `baseUrl + '/backchannel-logout'`: where the provider posts logout tokens (Back-Channel
   * Logout 1.0); must be registered at the provider as the client's `backchannel_logout_uri`.
   */
  backchannelLogoutUri: string;
  /** Trust `X-Forwarded-*` headers (only behind a TLS-terminating proxy). */
  trustProxy: boolean;
  issuer: string;
  clientId: string;
  clientSecret: string;
  tokenEndpointAuthMethod: 'client_secret_basic' | 'client_secret_post';
  scopes: string;
  acrValues: string | undefined;
  /** Keys for Koa's signed cookies; the first signs, all verify. */
  cookieKeys: string[];
  /** Timeout for each request to the provider, in seconds. */
  discoveryTimeoutSeconds: number;
}

/** Thrown when the environment is invalid; main prints it and exits non-zero. */
export class RpConfigError extends Error {
  override name = 'RpConfigError';
}

/** Strips trailing slashes so `baseUrl + '/callback'` never doubles them. */
function trimSlashes(url: string): string {
  return url.replace(/\/+$/, '');
}

/**
 * Reads and validates the demo RP's settings. This is the only place in `demo-rp/` that reads
 * `process.env`; tests pass their own record instead, so they never depend on the shell.
 */
export function loadRpConfig(
  env: Record<string, string | undefined> = process.env,
): Readonly<DemoRpConfig> {
  // Empty strings (e.g. `RP_ACR_VALUES=` from a compose file) mean "not set".
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== ''));
  const parsed = envSchema.safeParse(cleaned);
  if (!parsed.success) {
    const problems = parsed.error.issues
      .map((issue) => `${issue.path.join('.')}: ${issue.message}`)
      .join('; ');
    throw new RpConfigError(`Invalid demo RP configuration: ${problems}`);
  }
  const e = parsed.data;
  const baseUrl = trimSlashes(e.RP_BASE_URL ?? `http://localhost:${e.RP_PORT}`);
  return Object.freeze({
    name: e.RP_NAME,
    host: e.RP_HOST,
    port: e.RP_PORT,
    baseUrl,
    redirectUri: `${baseUrl}/callback`,
    postLogoutRedirectUri: `${baseUrl}/`,
    backchannelLogoutUri: `${baseUrl}/backchannel-logout`,
    trustProxy: e.RP_TRUST_PROXY,
    issuer: e.ISSUER,
    clientId: e.CLIENT_ID,
    clientSecret: e.CLIENT_SECRET,
    tokenEndpointAuthMethod: e.RP_TOKEN_ENDPOINT_AUTH_METHOD,
    scopes: e.RP_SCOPES,
    acrValues: e.RP_ACR_VALUES,
    cookieKeys: [e.RP_COOKIE_KEY],
    discoveryTimeoutSeconds: e.RP_DISCOVERY_TIMEOUT_SECONDS,
  });
}
