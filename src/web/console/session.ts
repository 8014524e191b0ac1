import { createHash } from 'node:crypto';
import Router from '@koa/router';
import type { Context } from 'koa';
import * as client from 'openid-client';
import { z } from 'zod';
import { hostCookieName } from '../../domain/cookie-names.ts';
import { AppError } from '../../domain/errors.ts';
import { sessionTtlSeconds } from '../../oidc/session-lifetime.ts';
import type { ConsoleSession } from '../../services/console-sessions.ts';
import { CONSOLE_CLIENT_ID } from '../../services/seed.ts';
import type { User } from '../../store/repos/users.repo.ts';
import type { WebDeps } from '../context.ts';
import { csrfOnlyForm, readVerifiedForm } from '../middleware/csrf.ts';
import { consoleCallbackUrl, consoleClient } from './console-client.ts';
import { providerSessionOf } from './provider-session.ts';

/** `__Host-` on https: Secure, `Path=/`, no Domain (src/domain/cookie-names.ts). */
const sessionCookie = (deps: WebDeps) =>
  hostCookieName('console_session', deps.config.secureCookies);
const authCookie = (deps: WebDeps) => hostCookieName('console_auth', deps.config.secureCookies);
/** A console sign-in must come back within the provider's sign-in (interaction) lifetime. */
const authCookieMs = (deps: WebDeps) => deps.config.ttl.interaction * 1000;
const TOKEN_PATTERN = /^[A-Za-z0-9_-]{43}$/;

/** What the console remembers between sending the browser to the provider and its return. */
const pendingSchema = z.object({
  verifier: z.string().max(200),
  state: z.string().max(200),
  nonce: z.string().max(200),
  returnTo: z.string().max(500),
});
type PendingLogin = z.infer<typeof pendingSchema>;

const callbackQuery = z.object({
  code: z.string().max(500).optional(),
  state: z.string().max(200),
  error: z.string().max(100).optional(),
  iss: z.string().max(500).optional(),
});

const INVALID_LINK = 'This sign-in link is not valid any more. Start again from your account page.';

function cookieOptions(deps: WebDeps, maxAgeMs: number) {
  return {
    httpOnly: true,
    sameSite: 'lax' as const,
    secure: deps.config.secureCookies,
    signed: true,
    path: '/',
    maxAge: maxAgeMs,
    overwrite: true,
  };
}

function readPending(ctx: Context, deps: WebDeps): PendingLogin | null {
  const raw = ctx.cookies.get(authCookie(deps), { signed: true });
  if (!raw) return null;
  try {
    const parsed = pendingSchema.safeParse(JSON.parse(Buffer.from(raw, 'base64url').toString()));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}

/** Only our own pages are valid destinations after sign-in (no open redirect). */
function safeReturnTo(value: unknown): string {
  return typeof value === 'string' && /^\/(account|admin)(\/[\w\-/]*)?(\?[\w=&%.-]*)?$/.test(value)
    ? value
    : '/account';
}

function consoleToken(ctx: Context, deps: WebDeps): string | null {
  const token = ctx.cookies.get(sessionCookie(deps), { signed: true });
  return token && TOKEN_PATTERN.test(token) ? token : null;
}

/**
 * Sends the browser through the provider's own OIDC sign-in (code flow with PKCE, state and
 * nonce) as the first-party `account-console` client, so the account and admin pages obey
 * exactly the same password and 2FA rules as Produce and Manage. `maxAgeSeconds` forces a fresh
 * password (recent sign-in, OIDC Core 3.1.2.1 `max_age`); `prompt=login` asks for a password even
 * with a session, so someone can switch to another account.
 */
export function startConsoleLogin(
  ctx: Context,
  deps: WebDeps,
  returnTo: string,
  maxAgeSeconds?: number,
  prompt?: 'login',
): void {
  const pending: PendingLogin = {
    verifier: client.randomPKCECodeVerifier(),
    state: client.randomState(),
    nonce: client.randomNonce(),
    returnTo: safeReturnTo(returnTo),
  };
  ctx.cookies.set(
    authCookie(deps),
    Buffer.from(JSON.stringify(pending)).toString('base64url'),
    cookieOptions(deps, authCookieMs(deps)),
  );
  const url = new URL(`${deps.config.issuer}/auth`);
  url.search = new URLSearchParams({
    client_id: CONSOLE_CLIENT_ID,
    response_type: 'code',
    scope: 'openid',
    redirect_uri: consoleCallbackUrl(deps.config),
    code_challenge: s256(pending.verifier),
    code_challenge_method: 'S256',
    state: pending.state,
    nonce: pending.nonce,
    ...(maxAgeSeconds !== undefined ? { max_age: String(maxAgeSeconds) } : {}),
    ...(prompt ? { prompt } : {}),
  }).toString();
  ctx.status = 303;
  ctx.redirect(url.toString());
}

function s256(verifier: string): string {
  return createHash('sha256').update(verifier).digest('base64url');
}

/**
 * Keeps the provider SSO session alive while its console is in use: the console's activity counts
 * as activity of the SSO session (idle timeout), never past its absolute lifetime.
 */
async function extendProviderSession(ctx: Context, deps: WebDeps): Promise<void> {
  const session = await deps.provider.Session.get(ctx);
  if (!session.accountId) return;
  await session.save(sessionTtlSeconds(deps.config.session, session.loginTs));
  ctx.cookies.set(deps.provider.cookieName('session'), session.jti, {
    signed: true,
    httpOnly: true,
    sameSite: 'lax',
    secure: deps.config.secureCookies,
    path: '/',
    overwrite: true,
    ...(session.exp ? { expires: new Date(session.exp * 1000) } : {}),
  });
}

/**
 * The person signed in at the account and admin pages, or null: no console session, signed out,
 * idle or past its lifetime, or the browser's SSO session ended or now belongs to someone else.
 */
export async function currentConsoleUser(
  ctx: Context,
  deps: WebDeps,
): Promise<{ user: User; session: ConsoleSession } | null> {
  const token = consoleToken(ctx, deps);
  if (!token) return null;
  const ridingOn = await providerSessionOf(ctx, deps);
  const current = await deps.services.consoleSessions.resolve(token, ridingOn);
  if (!current) {
    ctx.cookies.set(sessionCookie(deps), null, cookieOptions(deps, 0));
    return null;
  }
  if (current.active) await extendProviderSession(ctx, deps);
  return { user: current.user, session: current.session };
}

/**
 * The signed-in user, or a redirect to sign in (returns null; the caller stops). With
 * `recentSeconds`, a sign-in older than that asks for the password again (OIDC `max_age`).
 */
export async function requireConsoleUser(
  ctx: Context,
  deps: WebDeps,
  options: { recentSeconds?: number } = {},
): Promise<{ user: User; session: ConsoleSession } | null> {
  ctx.set('Cache-Control', 'no-store');
  const current = await currentConsoleUser(ctx, deps);
  const stale =
    current &&
    options.recentSeconds !== undefined &&
    // Whole seconds, as the provider counts max_age (OIDC Core 3.1.2.1): with a fractional
    // "now" a sign-in the provider still finds recent could look stale here, and the console
    // would send the browser back to the provider in a loop.
    Math.floor(Date.now() / 1000) - current.session.authTime > options.recentSeconds;
  if (current && !stale) return current;
  if (ctx.method !== 'GET')
    throw new AppError('unauthorized', 'Your session ended. Sign in again.');
  startConsoleLogin(ctx, deps, ctx.originalUrl, stale ? options.recentSeconds : undefined);
  return null;
}

/** Console sign-in callback and sign-out. */
export function consoleSessionRoutes(deps: WebDeps): Router {
  const router = new Router();
  const oidc = consoleClient(deps.config, deps.selfOrigin);

  // `prompt=login`: "Use another account" on a page this account may not see.
  router.get('/account/login', (ctx) =>
    startConsoleLogin(
      ctx,
      deps,
      safeReturnTo(ctx.query.return_to),
      undefined,
      ctx.query.prompt === 'login' ? 'login' : undefined,
    ),
  );

  router.get('/account/callback', async (ctx) => {
    const pending = readPending(ctx, deps);
    ctx.cookies.set(authCookie(deps), null, cookieOptions(deps, 0));
    const query = callbackQuery.safeParse(ctx.query);
    if (!pending || !query.success || query.data.state !== pending.state) {
      throw new AppError('bad_request', INVALID_LINK);
    }
    const previous = consoleToken(ctx, deps);
    if (previous) await deps.services.consoleSessions.end(previous);
    ctx.cookies.set(sessionCookie(deps), null, cookieOptions(deps, 0));
    if (query.data.error || !query.data.code) {
      ctx.set('Cache-Control', 'no-store');
      ctx.type = 'html';
      ctx.body = deps.render('account/sign-in-cancelled', { returnTo: pending.returnTo });
      return;
    }
    let claims: client.IDToken | undefined;
    try {
      const tokens = await client.authorizationCodeGrant(
        oidc,
        new URL(`${consoleCallbackUrl(deps.config)}?${ctx.querystring}`),
        {
          pkceCodeVerifier: pending.verifier,
          expectedState: pending.state,
          expectedNonce: pending.nonce,
        },
      );
      claims = tokens.claims();
    } catch (error) {
      deps.log.info({ err: error }, 'console sign-in code refused');
      throw new AppError('bad_request', INVALID_LINK);
    }
    const ridingOn = await providerSessionOf(ctx, deps);
    const user = claims ? await deps.services.account.findById(claims.sub) : null;
    if (!claims || !user || user.disabled) {
      throw new AppError('forbidden', 'This account cannot sign in.');
    }
    if (!ridingOn || ridingOn.accountId !== user.id) {
      throw new AppError('bad_request', INVALID_LINK);
    }
    const token = await deps.services.consoleSessions.start(user, ridingOn, {
      authTime: claims.auth_time ?? Math.floor(Date.now() / 1000),
      amr: Array.isArray(claims.amr) ? claims.amr.map(String) : [],
    });
    ctx.cookies.set(
      sessionCookie(deps),
      token,
      cookieOptions(deps, deps.config.session.maxSeconds * 1000),
    );
    ctx.redirect(pending.returnTo);
  });

  // Signing out is a POST with a CSRF token, so another site cannot sign anyone out; a GET (an
  // old link) shows the question with that form.
  router.get('/account/logout', (ctx) => {
    ctx.set('Cache-Control', 'no-store');
    ctx.type = 'html';
    ctx.body = deps.render('account/sign-out', { csrf: deps.csrf.token(ctx) });
  });

  router.post('/account/logout', async (ctx) => {
    await readVerifiedForm(ctx, deps.csrf, csrfOnlyForm);
    const token = consoleToken(ctx, deps);
    if (token) await deps.services.consoleSessions.end(token);
    ctx.cookies.set(sessionCookie(deps), null, cookieOptions(deps, 0));
    // The provider asks whether to end the single sign-on too, then says "You are signed out".
    ctx.status = 303;
    ctx.redirect(`${deps.config.issuer}/session/end?client_id=${CONSOLE_CLIENT_ID}`);
  });

  router.get('/account/signed-out', (ctx) => {
    ctx.type = 'html';
    ctx.body = deps.render('logged-out', {});
  });

  return router;
}
