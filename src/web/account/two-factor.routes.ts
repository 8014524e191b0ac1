import { randomBytes } from 'node:crypto';
import Router from '@koa/router';
import type { Context } from 'koa';
import { z } from 'zod';
import { secureCookieName } from '../../domain/cookie-names.ts';
import { AppError } from '../../domain/errors.ts';
import type { User } from '../../store/repos/users.repo.ts';
import type { WebDeps } from '../context.ts';
import { csrfField, readVerifiedForm } from '../middleware/csrf.ts';
import { requireConsoleUser } from '../console/session.ts';
import { originOf } from '../origin.ts';
import { recoveryCodesView } from '../recovery-codes-view.ts';
import { answerRefusal } from '../refusal.ts';

const enableForm = z.object({ csrf: csrfField, code: z.string().max(64) });
const proofForm = z.object({
  csrf: csrfField,
  code: z
    .string()
    .trim()
    .min(1, 'Enter a code from your authenticator app or a recovery code.')
    .max(64),
});
const disableForm = z.object({
  csrf: csrfField,
  code: z.string().max(64).optional().default(''),
  confirm: z.literal('yes', { message: 'Tick the box to confirm.' }).optional(),
});

/** Cookie naming this browser's Profile set-up, so its secret is shown nowhere else. */
const CHANNEL_COOKIE = 'enroll_channel';
const CHANNEL_PATTERN = /^[A-Za-z0-9_-]{22}$/;

/**
 * Self-service 2FA from the Profile page. Only the user can turn it on, after a recent sign-in
 * (`REAUTH_MAX_AGE_SECONDS`) and a correct code, with a secret that belongs to this browser's
 * set-up only; the first recovery codes are shown right then, once. Turning it off needs a recent
 * sign-in and a current code (a password alone is never enough), and is not offered while a role
 * enforces 2FA or the user is an admin. New recovery codes and a new phone ("replace") need a
 * recent sign-in and a current code or a recovery code, and stay available under enforcement;
 * a replacement keeps the old authenticator working until the new one is confirmed.
 */
export function accountTwoFactorRoutes(deps: WebDeps): Router {
  const router = new Router();
  const { totp, twoFactor, account } = deps.services;
  const recent = { recentSeconds: deps.config.reauthMaxAgeSeconds };
  // Scoped to /account/2fa, so `__Secure-` (not `__Host-`) on https.
  const channelCookie = secureCookieName(CHANNEL_COOKIE, deps.config.secureCookies);
  const cookie = {
    httpOnly: true,
    sameSite: 'lax' as const,
    secure: deps.config.secureCookies,
    signed: true,
    path: '/account/2fa',
    maxAge: deps.config.totp.enrollmentMinutes * 60_000,
    overwrite: true,
  };

  /**
   * This browser's Profile set-up channel for turning 2FA on (`profile`) or replacing the
   * authenticator (`replace`); a new one unless `create` is false.
   */
  const channelOf = (
    ctx: Context,
    user: User,
    create: boolean,
    purpose: 'profile' | 'replace' = 'profile',
  ): string | null => {
    let id = ctx.cookies.get(channelCookie, { signed: true });
    if (!id || !CHANNEL_PATTERN.test(id)) {
      if (!create) return null;
      id = randomBytes(16).toString('base64url');
      ctx.cookies.set(channelCookie, id, cookie);
    }
    return `${purpose}:${user.id}:${id}`;
  };

  const html = (ctx: Context, view: string, locals: object) => {
    ctx.set('Cache-Control', 'no-store');
    ctx.type = 'html';
    ctx.body = deps.render(view, { csrf: deps.csrf.token(ctx), ...locals });
  };

  /** The new codes, shown once; "I have saved these codes" goes back to Profile. */
  const renderCodes = (ctx: Context, user: User, codes: string[], heading: string, next: string) =>
    html(ctx, 'account/recovery-codes', {
      heading,
      next,
      ...recoveryCodesView(codes, user, deps.config.totp.issuer),
    });

  const renderEnable = async (ctx: Context, user: User, error?: string) => {
    const screen = await totp.begin(user, channelOf(ctx, user, true) ?? '');
    ctx.set('Cache-Control', 'no-store');
    ctx.type = 'html';
    ctx.body = deps.render('account/enable-2fa', { csrf: deps.csrf.token(ctx), screen, error });
  };

  /** The disable page; an error names the field it is about, so the page can focus it. */
  const renderDisable = (ctx: Context, error?: { field: 'code' | 'confirm'; message: string }) => {
    ctx.set('Cache-Control', 'no-store');
    ctx.type = 'html';
    ctx.body = deps.render('account/disable-2fa', { csrf: deps.csrf.token(ctx), error });
  };

  router.get('/account/2fa/enable', async (ctx) => {
    const current = await requireConsoleUser(ctx, deps, recent);
    if (!current) return;
    if (await totp.status(current.user.id)) return void ctx.redirect('/account');
    await renderEnable(ctx, current.user);
  });

  router.post('/account/2fa/enable', async (ctx) => {
    const current = await requireConsoleUser(ctx, deps, recent);
    if (!current) return;
    const form = await readVerifiedForm(ctx, deps.csrf, enableForm);
    const { user } = current;
    if (await totp.status(user.id)) return void ctx.redirect('/account');
    const channel = channelOf(ctx, user, false) ?? '';
    const result = await twoFactor.enable(user, channel, form.code, originOf(ctx), 'profile');
    if (!result.ok) {
      answerRefusal(ctx, result.status, result.retryAfterSeconds);
      return renderEnable(ctx, user, result.message);
    }
    ctx.cookies.set(channelCookie, null, { ...cookie, maxAge: 0 });
    renderCodes(
      ctx,
      user,
      result.recoveryCodes,
      'Two-factor authentication is on',
      '/account?notice=enabled',
    );
  });

  /** Refuses Profile pages that need an authenticator when the user has none. */
  const withTwoFactor = async (ctx: Context) => {
    const current = await requireConsoleUser(ctx, deps, recent);
    if (!current) return null;
    if (await totp.status(current.user.id)) return current.user;
    ctx.redirect('/account');
    return null;
  };

  router.get('/account/2fa/recovery-codes', async (ctx) => {
    if (await withTwoFactor(ctx)) html(ctx, 'account/regenerate-codes', {});
  });

  router.post('/account/2fa/recovery-codes', async (ctx) => {
    const user = await withTwoFactor(ctx);
    if (!user) return;
    const form = await readVerifiedForm(ctx, deps.csrf, proofForm);
    const result = await twoFactor.regenerateRecoveryCodes(user, form.code, originOf(ctx));
    if (!result.ok) {
      answerRefusal(ctx, result.status, result.retryAfterSeconds);
      return html(ctx, 'account/regenerate-codes', { error: result.message });
    }
    renderCodes(ctx, user, result.recoveryCodes, 'New recovery codes', '/account?notice=codes');
  });

  router.get('/account/2fa/replace', async (ctx) => {
    if (await withTwoFactor(ctx)) html(ctx, 'account/replace-2fa', { step: 'prove' });
  });

  router.post('/account/2fa/replace', async (ctx) => {
    const user = await withTwoFactor(ctx);
    if (!user) return;
    const form = await readVerifiedForm(ctx, deps.csrf, proofForm);
    const channel = channelOf(ctx, user, true, 'replace') ?? '';
    const result = await twoFactor.beginReplacement(user, form.code, channel, originOf(ctx));
    if (!result.ok) {
      answerRefusal(ctx, result.status, result.retryAfterSeconds);
      return html(ctx, 'account/replace-2fa', { step: 'prove', error: result.message });
    }
    ctx.status = 303;
    ctx.redirect('/account/2fa/replace/confirm');
  });

  router.get('/account/2fa/replace/confirm', async (ctx) => {
    const user = await withTwoFactor(ctx);
    if (!user) return;
    const channel = channelOf(ctx, user, false, 'replace');
    const screen = channel ? await twoFactor.pendingReplacement(user, channel) : null;
    if (!screen) return void ctx.redirect('/account/2fa/replace');
    html(ctx, 'account/replace-2fa', { step: 'scan', screen });
  });

  router.post('/account/2fa/replace/confirm', async (ctx) => {
    const user = await withTwoFactor(ctx);
    if (!user) return;
    const form = await readVerifiedForm(ctx, deps.csrf, enableForm);
    const channel = channelOf(ctx, user, false, 'replace');
    const screen = channel ? await twoFactor.pendingReplacement(user, channel) : null;
    if (!channel || !screen) {
      ctx.status = 303;
      return void ctx.redirect('/account/2fa/replace');
    }
    const check = await twoFactor.confirmReplacement(user, channel, form.code, originOf(ctx));
    if (!check.ok) {
      answerRefusal(ctx, check.status, check.retryAfterSeconds);
      return html(ctx, 'account/replace-2fa', { step: 'scan', screen, error: check.message });
    }
    ctx.cookies.set(channelCookie, null, { ...cookie, maxAge: 0 });
    ctx.status = 303;
    ctx.redirect('/account?notice=replaced');
  });

  /** Refuses to turn 2FA off for a user who must keep it (403 with the reason). */
  const assertMayDisable = async (user: User) => {
    const reason = await account.mustKeepTwoFactor(user);
    if (reason) throw new AppError('forbidden', reason);
  };

  router.get('/account/2fa/disable', async (ctx) => {
    const current = await requireConsoleUser(ctx, deps, recent);
    if (!current) return;
    if (!(await totp.status(current.user.id))) return void ctx.redirect('/account');
    await assertMayDisable(current.user);
    renderDisable(ctx);
  });

  router.post('/account/2fa/disable', async (ctx) => {
    const current = await requireConsoleUser(ctx, deps, recent);
    if (!current) return;
    const form = await readVerifiedForm(ctx, deps.csrf, disableForm);
    const { user } = current;
    if (!(await totp.status(user.id))) return void ctx.redirect('/account');
    await assertMayDisable(user);
    if (!form.confirm) {
      ctx.status = 400;
      return renderDisable(ctx, {
        field: 'confirm',
        message: 'Tick the box to confirm that you want to turn two-factor authentication off.',
      });
    }
    if (!form.code.trim()) {
      ctx.status = 400;
      return renderDisable(ctx, {
        field: 'code',
        message: 'Enter a current code from your authenticator app.',
      });
    }
    const check = await twoFactor.disable(user, form.code, originOf(ctx));
    if (!check.ok) {
      answerRefusal(ctx, check.status, check.retryAfterSeconds);
      return renderDisable(ctx, { field: 'code', message: check.message });
    }
    ctx.status = 303;
    ctx.redirect('/account?notice=disabled');
  });

  return router;
}
