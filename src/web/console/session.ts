import { createHash, randomBytes } from 'node:crypto';
import Router from '@koa/router';
import type { Context } from 'koa';
import { z } from 'zod';
import { AppError } from '../../domain/errors.ts';
import { CONSOLE_CLIENT_ID } from '../../services/seed.ts';
import type { User } from '../../store/repos/users.repo.ts';
import type { WebDeps } from '../context.ts';

const SESSION_COOKIE = 'console_session';
const AUTH_COOKIE = 'console_auth';
const SESSION_HOURS = 8;

/** The signed-in person at the account and admin pages, and how they authenticated. */
export interface ConsoleSession {
  sub: string;
  epoch: number;
  authTime: number;
  amr: string[];
  exp: number;
}

interface PendingLogin {
  verifier: string;
  state: string;
  returnTo: string;
}

const sessionSchema = z.object({
  sub: z.string(),
  epoch: z.number(),
  authTime: z.number(),
  amr: z.array(z.string()),
  exp: z.number(),
});

const pendingSchema = z.object({ verifier: z.string(), state: z.string(), returnTo: z.string() });

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

function readCookie<T>(ctx: Context, name: string, schema: z.ZodType<T>): T | null {
  const raw = ctx.cookies.get(name, { signed: true });
  if (!raw) return null;
  try {
    const parsed = schema.safeParse(JSON.parse(Buffer.from(raw, 'base64url').toString('utf8')));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}

function writeCookie(
  ctx: Context,
  deps: WebDeps,
  name: string,
  value: unknown,
  maxAgeMs: number,
): void {
  ctx.cookies.set(
    name,
    Buffer.from(JSON.stringify(value)).toString('base64url'),
    cookieOptions(deps, maxAgeMs),
  );
}

/** Only our own pages are valid destinations after sign-in (no open redirect). */
function safeReturnTo(value: unknown): string {
  return typeof value === 'string' && /^\/(account|admin)(\/[\w\-/]*)?(\?[\w=&%.-]*)?$/.test(value)
    ? value
    : '/account';
}

/**
 * Sends the browser through the provider's own OIDC sign-in (code + PKCE) as the first-party
 * `account-console` client, so the account and admin pages obey exactly the same password and
 * 2FA rules as Produce and Manage. `maxAgeSeconds` forces a fresh password (recent sign-in).
 */
export function startConsoleLogin(
  ctx: Context,
  deps: WebDeps,
  returnTo: string,
  maxAgeSeconds?: number,
): void {
  const verifier = randomBytes(32).toString('base64url');
  const state = randomBytes(16).toString('base64url');
  writeCookie(
    ctx,
    deps,
    AUTH_COOKIE,
    { verifier, state, returnTo: safeReturnTo(returnTo) } satisfies PendingLogin,
    15 * 60 * 1000,
  );
  const url = new URL(`${deps.config.issuer}/auth`);
  url.search = new URLSearchParams({
    client_id: CONSOLE_CLIENT_ID,
    response_type: 'code',
    scope: 'openid',
    redirect_uri: `${deps.config.issuer}/account/callback`,
    code_challenge: createHash('sha256').update(verifier).digest('base64url'),
    code_challenge_method: 'S256',
    state,
    ...(maxAgeSeconds !== undefined ? { max_age: String(maxAgeSeconds) } : {}),
  }).toString();
  ctx.status = 303;
  ctx.redirect(url.toString());
}

/** The current console session, or null (expired, signed out, or invalidated by sessionEpoch). */
export async function currentConsoleUser(
  ctx: Context,
  deps: WebDeps,
): Promise<{ user: User; session: ConsoleSession } | null> {
  const session = readCookie(ctx, SESSION_COOKIE, sessionSchema);
  if (!session || session.exp * 1000 <= Date.now()) return null;
  const user = await deps.services.account.findById(session.sub);
  if (!user || user.disabled || user.sessionEpoch !== session.epoch) return null;
  return { user, session };
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

  router.get('/account/login', (ctx) =>
    startConsoleLogin(ctx, deps, safeReturnTo(ctx.query.return_to)),
  );

  router.get('/account/callback', async (ctx) => {
    const pending = readCookie(ctx, AUTH_COOKIE, pendingSchema);
    ctx.cookies.set(AUTH_COOKIE, null, cookieOptions(deps, 0));
    const query = z
      .object({
        code: z.string().max(200).optional(),
        state: z.string().max(200),
        error: z.string().max(100).optional(),
      })
      .safeParse(ctx.query);
    if (!pending || !query.success || query.data.state !== pending.state) {
      throw new AppError(
        'bad_request',
        'This sign-in link is not valid any more. Start again from your account page.',
      );
    }
    if (query.data.error || !query.data.code) {
      ctx.redirect('/account/signed-out');
      return;
    }
    const code = await deps.provider.AuthorizationCode.find(query.data.code);
    const challenge = createHash('sha256').update(pending.verifier).digest('base64url');
    if (
      !code ||
      code.clientId !== CONSOLE_CLIENT_ID ||
      Reflect.get(code, 'consumed') ||
      code.codeChallenge !== challenge ||
      !code.accountId
    ) {
      throw new AppError(
        'bad_request',
        'This sign-in link is not valid any more. Start again from your account page.',
      );
    }
    try {
      await code.consume();
    } catch {
      throw new AppError(
        'bad_request',
        'This sign-in link is not valid any more. Start again from your account page.',
      );
    }
    const user = await deps.services.account.findById(code.accountId);
    if (!user || user.disabled) throw new AppError('forbidden', 'This account cannot sign in.');
    const session: ConsoleSession = {
      sub: user.id,
      epoch: user.sessionEpoch,
      authTime: code.authTime ?? Math.floor(Date.now() / 1000),
      amr: code.amr ?? [],
      exp: Math.floor(Date.now() / 1000) + SESSION_HOURS * 3600,
    };
    writeCookie(ctx, deps, SESSION_COOKIE, session, SESSION_HOURS * 3600 * 1000);
    ctx.redirect(pending.returnTo);
  });

  router.get('/account/logout', (ctx) => {
    ctx.cookies.set(SESSION_COOKIE, null, cookieOptions(deps, 0));
    ctx.redirect(`${deps.config.issuer}/session/end?client_id=${CONSOLE_CLIENT_ID}`);
  });

  router.get('/account/signed-out', (ctx) => {
    ctx.type = 'html';
    ctx.body = deps.render('logged-out', {});
  });

  return router;
}
