import { fileURLToPath } from 'node:url';
import Koa from 'koa';
import type { Context } from 'koa';
import * as client from 'openid-client';
import pug from 'pug';
import { backchannelLogoutHandler, type BackchannelLogoutResult } from './backchannel-logout.ts';
import type { DemoRpConfig } from './config.ts';
import { ProviderError, isUnreachable, messageOf, providerHandle } from './provider.ts';
import { SessionStore } from './session-store.ts';

export type { DemoRpConfig } from './config.ts';
export type { BackchannelLogoutResult } from './backchannel-logout.ts';

/** Hooks of the running app: `main.ts` logs through them, tests observe through them. */
export interface RpAppOptions {
  /** Hears the outcome of every back-channel logout request (never the token). */
  onBackchannelLogout?: (result: BackchannelLogoutResult) => void;
}

const VIEWS = fileURLToPath(new URL('./views/', import.meta.url));

/** How long the user has to finish signing in at the provider. */
const LOGIN_STATE_MAX_AGE_MS = 10 * 60 * 1000;

/** The per-login secrets kept in a short-lived signed cookie between /login and /callback. */
interface LoginState {
  codeVerifier: string;
  state: string;
  nonce: string;
}

const STYLESHEET = `body{font-family:system-ui,sans-serif;max-width:48rem;margin:2rem auto;padding:0 1rem;color:#1b1f24}
header{display:flex;justify-content:space-between;align-items:baseline;border-bottom:1px solid #d0d7de;margin-bottom:1rem}
pre{background:#f6f8fa;border:1px solid #d0d7de;padding:1rem;overflow:auto}
dt{font-weight:600}dd{margin:0 0 .5rem 0}
.error{border-left:4px solid #cf222e;padding-left:1rem}
a.button{display:inline-block;padding:.5rem 1rem;background:#0969da;color:#fff;text-decoration:none;border-radius:6px}
`;

/**
 * Every response is a page of our own or a redirect: no script at all, styles from our own
 * origin, no framing, and no Referer (the callback URL carries the authorization code).
 */
const SECURITY_HEADERS: Record<string, string> = {
  'Content-Security-Policy':
    "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'Cache-Control': 'no-store',
};

function encodeLoginState(value: LoginState): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

function decodeLoginState(raw: string | undefined): LoginState | undefined {
  if (!raw) return undefined;
  try {
    const value: unknown = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8'));
    if (
      typeof value === 'object' &&
      value !== null &&
      'codeVerifier' in value &&
      'state' in value &&
      'nonce' in value &&
      typeof value.codeVerifier === 'string' &&
      typeof value.state === 'string' &&
      typeof value.nonce === 'string'
    ) {
      return { codeVerifier: value.codeVerifier, state: value.state, nonce: value.nonce };
    }
  } catch {
    // A tampered cookie fails the signature check first; anything else is simply ignored.
  }
  return undefined;
}

/** Reads a claim as a display string, accepting a string or a list of strings. */
function display(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (Array.isArray(value) && value.every((v) => typeof v === 'string')) return value.join(', ');
  return undefined;
}

/**
 * Builds the demo relying party as a Koa app: it signs users in at the provider with the
 * authorization code flow (PKCE S256, state, nonce) and shows who they are, so Produce and
 * Manage (two instances with different config) prove single sign-on and single sign-out; it is
 * signed out by the provider through back-channel logout (`POST /backchannel-logout`).
 *
 * Nothing is started here; `main.ts` listens. Tests can run it in-process: `config.baseUrl`
 * must be the address the browser uses, so with an ephemeral port create an `http.Server`,
 * listen on port 0 first, then build the config with that port and attach `app.callback()`.
 */
export function createRpApp(config: DemoRpConfig, options: RpAppOptions = {}): Koa {
  const app = new Koa({ keys: [...config.cookieKeys], proxy: config.trustProxy });
  const provider = providerHandle(config);
  const sessions = new SessionStore();
  const backchannelLogout = backchannelLogoutHandler({
    clientId: config.clientId,
    provider,
    sessions,
    report: options.onBackchannelLogout ?? (() => {}),
  });
  const render = {
    home: pug.compileFile(`${VIEWS}home.pug`),
    error: pug.compileFile(`${VIEWS}error.pug`),
  };

  // Produce and Manage both live on "localhost" and cookies ignore ports, so cookie names
  // carry the client id or the two apps would overwrite each other's sessions.
  const cookiePrefix = `demo_rp_${config.clientId.replace(/[^A-Za-z0-9_-]/g, '_')}`;
  const sessionCookie = `${cookiePrefix}_sid`;
  const loginCookie = `${cookiePrefix}_login`;
  const secure = new URL(config.baseUrl).protocol === 'https:';
  const cookieOptions = {
    httpOnly: true,
    sameSite: 'lax',
    secure,
    signed: true,
    path: '/',
  } as const;

  const page = (ctx: Context, status: number, html: string): void => {
    ctx.status = status;
    ctx.type = 'html';
    ctx.body = html;
  };

  const errorPage = (ctx: Context, status: number, title: string, message: string): void => {
    page(ctx, status, render.error({ appName: config.name, title, message, status }));
  };

  app.use(async (ctx, next) => {
    ctx.set(SECURITY_HEADERS);
    try {
      await next();
    } catch (err) {
      if (err instanceof ProviderError) {
        console.error(`[${config.name}] ${err.message}`);
        errorPage(
          ctx,
          err.status,
          err.status === 503 ? 'Identity provider unreachable' : 'Identity provider error',
          err.message,
        );
        return;
      }
      console.error(`[${config.name}] unexpected error`, err);
      errorPage(ctx, 500, 'Something went wrong', 'The demo application hit an unexpected error.');
    }
  });

  // Called by the provider, not a browser: the one route that answers POST.
  app.use(async (ctx, next) => {
    if (ctx.path === '/backchannel-logout' && ctx.method === 'POST') return backchannelLogout(ctx);
    return next();
  });

  app.use(async (ctx, next) => {
    if (ctx.method !== 'GET' && ctx.method !== 'HEAD') {
      ctx.set('Allow', 'GET, HEAD');
      errorPage(ctx, 405, 'Method not allowed', 'This demo only answers GET requests.');
      return;
    }
    switch (ctx.path) {
      case '/':
        return home(ctx);
      case '/login':
        return login(ctx);
      case '/callback':
        return callback(ctx);
      case '/logout':
        return logout(ctx);
      case '/rp.css':
        ctx.type = 'text/css';
        ctx.set('Cache-Control', 'public, max-age=3600');
        ctx.body = STYLESHEET;
        return;
      default:
        return next();
    }
  });

  app.use((ctx) => {
    errorPage(ctx, 404, 'Not found', 'There is no page at this address.');
  });

  function home(ctx: Context): void {
    const session = sessions.get(ctx.cookies.get(sessionCookie, { signed: true }));
    if (!session) {
      page(ctx, 200, render.home({ appName: config.name, user: undefined }));
      return;
    }
    const { claims, userinfo } = session;
    const user = {
      sub: claims.sub,
      name: display(userinfo.name) ?? display(claims.name) ?? claims.sub,
      email: display(userinfo.email) ?? display(claims.email),
      roles: display(userinfo['roles']) ?? display(claims['roles']),
      acr: display(claims.acr),
      amr: display(claims.amr),
      authTime:
        typeof claims.auth_time === 'number'
          ? new Date(claims.auth_time * 1000).toISOString()
          : undefined,
    };
    page(
      ctx,
      200,
      render.home({
        appName: config.name,
        user,
        claimsJson: JSON.stringify(claims, null, 2),
        userinfoJson: JSON.stringify(userinfo, null, 2),
      }),
    );
  }

  async function login(ctx: Context): Promise<void> {
    const oidc = await provider.get();
    const loginState: LoginState = {
      codeVerifier: client.randomPKCECodeVerifier(),
      state: client.randomState(),
      nonce: client.randomNonce(),
    };
    const parameters: Record<string, string> = {
      redirect_uri: config.redirectUri,
      scope: config.scopes,
      code_challenge: await client.calculatePKCECodeChallenge(loginState.codeVerifier),
      code_challenge_method: 'S256',
      state: loginState.state,
      nonce: loginState.nonce,
    };
    if (config.acrValues) parameters['acr_values'] = config.acrValues;
    ctx.cookies.set(loginCookie, encodeLoginState(loginState), {
      ...cookieOptions,
      maxAge: LOGIN_STATE_MAX_AGE_MS,
    });
    ctx.redirect(client.buildAuthorizationUrl(oidc, parameters).href);
  }

  async function callback(ctx: Context): Promise<void> {
    const loginState = decodeLoginState(ctx.cookies.get(loginCookie, { signed: true }));
    // The login cookie is single-use whatever happens next.
    ctx.cookies.set(loginCookie, null, cookieOptions);
    if (!loginState) {
      errorPage(
        ctx,
        400,
        'Sign-in expired',
        'This sign-in attempt is unknown or too old (the login cookie is missing). Start again.',
      );
      return;
    }
    const oidc = await provider.get();
    // Rebuild the URL from the configured redirect URI rather than the Host header, so the
    // redirect_uri sent to the token endpoint is exactly the registered one.
    const currentUrl = new URL(config.redirectUri);
    currentUrl.search = ctx.querystring;

    let tokens: Awaited<ReturnType<typeof client.authorizationCodeGrant>>;
    let userinfo: client.UserInfoResponse;
    try {
      tokens = await client.authorizationCodeGrant(oidc, currentUrl, {
        pkceCodeVerifier: loginState.codeVerifier,
        expectedState: loginState.state,
        expectedNonce: loginState.nonce,
        idTokenExpected: true,
      });
      const claims = tokens.claims();
      if (!claims || !tokens.id_token) throw new client.ClientError('no ID token was returned');
      userinfo = await client.fetchUserInfo(oidc, tokens.access_token, claims.sub);
      const id = sessions.create({ claims, userinfo, idToken: tokens.id_token });
      ctx.cookies.set(sessionCookie, id, cookieOptions);
    } catch (err) {
      if (err instanceof client.AuthorizationResponseError) {
        const detail = err.error_description ? `: ${err.error_description}` : '';
        errorPage(
          ctx,
          400,
          'Sign-in did not complete',
          `The provider answered ${err.error}${detail}.`,
        );
        return;
      }
      if (isUnreachable(err)) {
        throw new ProviderError(503, `The identity provider at ${config.issuer} is unreachable.`, {
          cause: err,
        });
      }
      if (err instanceof client.ResponseBodyError) {
        const detail = err.error_description ? `: ${err.error_description}` : '';
        throw new ProviderError(502, `The provider refused the request (${err.error}${detail}).`, {
          cause: err,
        });
      }
      if (err instanceof client.ClientError) {
        errorPage(
          ctx,
          400,
          'Sign-in failed a check',
          `The sign-in response was rejected: ${messageOf(err)}.`,
        );
        return;
      }
      throw err;
    }
    ctx.redirect('/');
  }

  async function logout(ctx: Context): Promise<void> {
    const id = ctx.cookies.get(sessionCookie, { signed: true });
    const session = sessions.get(id);
    sessions.delete(id);
    ctx.cookies.set(sessionCookie, null, cookieOptions);
    if (!session) {
      ctx.redirect('/');
      return;
    }
    let oidc: client.Configuration;
    try {
      oidc = await provider.get();
    } catch (err) {
      // The local session is gone either way; without the provider we cannot end its session.
      console.error(`[${config.name}] sign-out at the provider skipped: ${messageOf(err)}`);
      ctx.redirect('/');
      return;
    }
    const url = client.buildEndSessionUrl(oidc, {
      id_token_hint: session.idToken,
      post_logout_redirect_uri: config.postLogoutRedirectUri,
    });
    ctx.redirect(url.href);
  }

  return app;
}
