/**
 * The relying party side, written directly on the driver's HTTP client: discovery, JWKS, the
 * authorization request (PKCE S256, state, nonce), the token endpoint with client_secret_basic,
 * and the ID token checks (signature from the JWKS, iss, aud, nonce, exp, amr). openid-client
 * does the same on top of fetch, at a higher CPU cost per sign-in for a driver that shares the
 * machine's CPUs with the provider it measures.
 */
import {
  createHash,
  createPublicKey,
  randomBytes,
  verify,
  type JsonWebKey,
  type KeyObject,
} from 'node:crypto';
import { Browser, describe, findForm, FORM_TYPE, request, type Step } from './http.ts';
import type { BenchUser } from './totp.ts';

export interface Metadata {
  issuer: string;
  authorization_endpoint: string;
  token_endpoint: string;
  jwks_uri: string;
  grant_types_supported: string[];
}

/** The bench's client as registered with the CLI, plus what discovery said. */
export interface RelyingParty {
  clientId: string;
  clientSecret: string;
  redirectUri: string;
  meta: Metadata;
  keys: Map<string, KeyObject>;
}

type Json = Record<string, unknown>;

function parseObject(text: string, what: string): Json {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new Error(`${what}: not JSON: ${text.slice(0, 120)}`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new Error(`${what}: not a JSON object`);
  return value as Json;
}

const str = (o: Json, key: string): string => (typeof o[key] === 'string' ? o[key] : '');
const strings = (value: unknown): string[] =>
  Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];

export async function discover(issuer: string): Promise<Metadata> {
  const res = await request('GET', `${issuer}/.well-known/openid-configuration`);
  if (res.status !== 200) throw new Error(`discovery answered ${res.status}`);
  const o = parseObject(res.body, 'discovery');
  const meta = {
    issuer: str(o, 'issuer'),
    authorization_endpoint: str(o, 'authorization_endpoint'),
    token_endpoint: str(o, 'token_endpoint'),
    jwks_uri: str(o, 'jwks_uri'),
    // RFC 8414 default when absent.
    grant_types_supported:
      o.grant_types_supported === undefined
        ? ['authorization_code', 'implicit']
        : strings(o.grant_types_supported),
  };
  if (!meta.authorization_endpoint || !meta.token_endpoint || !meta.jwks_uri)
    throw new Error('discovery lacks an endpoint');
  return meta;
}

export async function loadKeys(jwksUri: string): Promise<Map<string, KeyObject>> {
  const res = await request('GET', jwksUri);
  if (res.status !== 200) throw new Error(`JWKS answered ${res.status}`);
  const keys = new Map<string, KeyObject>();
  const list = parseObject(res.body, 'JWKS').keys;
  for (const jwk of Array.isArray(list) ? list : []) {
    if (typeof jwk !== 'object' || jwk === null) continue;
    const { kid, use } = jwk as { kid?: unknown; use?: unknown };
    if (typeof kid !== 'string' || (use !== undefined && use !== 'sig')) continue;
    keys.set(kid, createPublicKey({ key: jwk as JsonWebKey, format: 'jwk' }));
  }
  return keys;
}

export async function relyingParty(
  issuer: string,
  client: { clientId: string; clientSecret: string; redirectUri: string },
): Promise<RelyingParty> {
  const meta = await discover(issuer);
  return { ...client, meta, keys: await loadKeys(meta.jwks_uri) };
}

export interface PendingAuthorization {
  url: string;
  verifier: string;
  state: string;
  nonce: string;
}

const random = () => randomBytes(24).toString('base64url');

export function authorizationRequest(
  rp: RelyingParty,
  scope: string,
  extra: Record<string, string> = {},
): PendingAuthorization {
  const verifier = randomBytes(32).toString('base64url');
  const state = random();
  const nonce = random();
  const url = new URL(rp.meta.authorization_endpoint);
  url.search = new URLSearchParams({
    client_id: rp.clientId,
    response_type: 'code',
    scope,
    redirect_uri: rp.redirectUri,
    state,
    nonce,
    code_challenge: createHash('sha256').update(verifier).digest('base64url'),
    code_challenge_method: 'S256',
    ...extra,
  }).toString();
  return { url: url.toString(), verifier, state, nonce };
}

export interface TokenResponse {
  access_token: string;
  refresh_token: string | undefined;
  id_token: string | undefined;
}

export async function tokenRequest(rp: RelyingParty, fields: Record<string, string>) {
  const basic = Buffer.from(
    `${encodeURIComponent(rp.clientId)}:${encodeURIComponent(rp.clientSecret)}`,
  ).toString('base64');
  const res = await request(
    'POST',
    rp.meta.token_endpoint,
    { ...FORM_TYPE, authorization: `Basic ${basic}`, accept: 'application/json' },
    new URLSearchParams(fields).toString(),
  );
  const o = parseObject(res.body, `token endpoint (${res.status})`);
  if (res.status !== 200)
    throw new Error(
      `token endpoint ${res.status}: ${str(o, 'error')} ${str(o, 'error_description')}`,
    );
  const token: TokenResponse = {
    access_token: str(o, 'access_token'),
    refresh_token: str(o, 'refresh_token') || undefined,
    id_token: str(o, 'id_token') || undefined,
  };
  if (!token.access_token) throw new Error(`${fields.grant_type}: no access token`);
  return token;
}

/** Verifies the ID token and returns its claims; `amr` must contain every entry of `amr`. */
export async function checkIdToken(
  rp: RelyingParty,
  idToken: string | undefined,
  nonce: string,
  amr: string[],
): Promise<Json> {
  if (!idToken) throw new Error('no ID token in the token response');
  const [h = '', p = '', s = ''] = idToken.split('.');
  const header = parseObject(Buffer.from(h, 'base64url').toString(), 'ID token header');
  const kid = str(header, 'kid');
  if (!rp.keys.has(kid)) rp.keys = await loadKeys(rp.meta.jwks_uri); // rotated
  const key = rp.keys.get(kid);
  if (!key) throw new Error(`ID token signed with an unknown key ${kid}`);
  const data = Buffer.from(`${h}.${p}`);
  const signature = Buffer.from(s, 'base64url');
  const alg = str(header, 'alg');
  const ok =
    alg === 'ES256'
      ? verify('sha256', data, { key, dsaEncoding: 'ieee-p1363' }, signature)
      : alg === 'RS256'
        ? verify('sha256', data, key, signature)
        : alg === 'EdDSA' || alg === 'Ed25519'
          ? verify(null, data, key, signature)
          : false;
  if (!ok) throw new Error(`ID token signature (${alg}) does not verify`);
  const claims = parseObject(Buffer.from(p, 'base64url').toString(), 'ID token claims');
  if (claims.iss !== rp.meta.issuer) throw new Error(`ID token iss ${String(claims.iss)}`);
  const aud = Array.isArray(claims.aud) ? claims.aud : [claims.aud];
  if (!aud.includes(rp.clientId)) throw new Error(`ID token aud ${String(claims.aud)}`);
  if (claims.nonce !== nonce) throw new Error('ID token nonce mismatch');
  if (typeof claims.exp !== 'number' || claims.exp * 1000 < Date.now())
    throw new Error('ID token expired');
  const got = strings(claims.amr);
  for (const method of amr)
    if (!got.includes(method))
      throw new Error(`ID token amr ${JSON.stringify(got)} lacks ${method}`);
  return claims;
}

/** The code at the callback, after checking state and (RFC 9207) iss. */
function codeAtCallback(rp: RelyingParty, step: Step, pending: PendingAuthorization): string {
  if (!step.atCallback)
    throw new Error(`expected the redirect to the client, got ${describe(step)}`);
  const params = new URL(step.url).searchParams;
  const error = params.get('error');
  if (error) throw new Error(`authorization error ${error}: ${params.get('error_description')}`);
  if (params.get('state') !== pending.state) throw new Error('state mismatch at the callback');
  const iss = params.get('iss');
  if (iss !== null && iss !== rp.meta.issuer) throw new Error(`iss ${iss} at the callback`);
  const code = params.get('code');
  if (!code) throw new Error('no code at the callback');
  return code;
}

/** Milliseconds spent in each step of one sign-in. */
export type Laps = Record<string, number>;

/**
 * One full sign-in in a new browser: authorization request → login page → password → code page
 * → TOTP code → callback → token exchange → ID token checked (amr contains otp).
 */
export async function signIn(
  rp: RelyingParty,
  user: BenchUser,
  scope: string,
  extra: Record<string, string> = {},
  laps: Laps = {},
): Promise<TokenResponse> {
  const browser = new Browser(user.address);
  let t = performance.now();
  const lap = (name: string) => {
    const now = performance.now();
    laps[name] = now - t;
    t = now;
  };
  const pending = authorizationRequest(rp, scope, extra);

  const loginPage = await browser.follow(pending.url, rp.redirectUri);
  const login = loginPage.res.status === 200 ? findForm(loginPage, 'password') : null;
  if (!login) throw new Error(`expected the login page, got ${describe(loginPage)}`);
  lap('login page');

  const codePage = await browser.submit(
    login,
    { email: user.email, password: user.password },
    rp.redirectUri,
  );
  const otp = codePage.res.status === 200 ? findForm(codePage, 'code') : null;
  if (!otp) throw new Error(`expected the code page after the password, got ${describe(codePage)}`);
  lap('password');

  const done = await browser.submit(otp, { code: user.code() }, rp.redirectUri);
  const code = codeAtCallback(rp, done, pending);
  lap('code');

  const tokens = await tokenRequest(rp, {
    grant_type: 'authorization_code',
    code,
    redirect_uri: rp.redirectUri,
    code_verifier: pending.verifier,
  });
  lap('token');
  await checkIdToken(rp, tokens.id_token, pending.nonce, ['otp']);
  return tokens;
}
