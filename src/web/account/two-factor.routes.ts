import { randomBytes } from 'node:crypto';
import Router from '@koa/router';
import type { Context } from 'koa';
import { z } from 'zod';
import { AppError } from '../../domain/errors.ts';
import type { User } from '../../store/repos/users.repo.ts';
import type { WebDeps } from '../context.ts';
import { csrfField, readVerifiedForm } from '../middleware/csrf.ts';
import { requireConsoleUser } from '../console/session.ts';
import { answerRefusal } from '../refusal.ts';

const enableForm = z.object({ csrf: csrfField, code: z.string().max(64) });
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
 * set-up only. Turning it off needs a recent sign-in and a current code (a password alone is
 * never enough), and is not offered while a role enforces 2FA or the user is an admin.
 */
export function accountTwoFactorRoutes(deps: WebDeps): Router {
  const router = new Router();
  const { totp, twoFactor, account } = deps.services;
  const recent = { recentSeconds: deps.config.reauthMaxAgeSeconds };
  const cookie = {
    httpOnly: true,
    sameSite: 'lax' as const,
    secure: deps.config.secureCookies,
    signed: true,
    path: '/account/2fa',
    maxAge: deps.config.totp.enrollmentMinutes * 60_000,
    overwrite: true,
  };

  /** This browser's Profile set-up channel; a new one unless `create` is false. */
  const channelOf = (ctx: Context, user: User, create: boolean): string | null => {
    let id = ctx.cookies.get(CHANNEL_COOKIE, { signed: true });
    if (!id || !CHANNEL_PATTERN.test(id)) {
      if (!create) return null;
      id = randomBytes(16).toString('base64url');
      ctx.cookies.set(CHANNEL_COOKIE, id, cookie);
    }
    return `profile:${user.id}:${id}`;
  };

  const renderEnable = async (ctx: Context, user: User, error?: string) => {
    const screen = await totp.begin(user, channelOf(ctx, user, true) ?? '');
    ctx.set('Cache-Control', 'no-store');
    ctx.type = 'html';
    ctx.body = deps.render('account/enable-2fa', { csrf: deps.csrf.token(ctx), screen, error });
  };

  const renderDisable = (ctx: Context, error?: string) => {
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
    const check = await twoFactor.enable(user, channel, form.code, ctx.ip, 'profile');
    if (!check.ok) {
      answerRefusal(ctx, check.status, check.retryAfterSeconds);
      return renderEnable(ctx, user, check.message);
    }
    ctx.cookies.set(CHANNEL_COOKIE, null, { ...cookie, maxAge: 0 });
    ctx.status = 303;
    ctx.redirect('/account?notice=enabled');
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
      return renderDisable(
        ctx,
        'Tick the box to confirm that you want to turn two-factor authentication off.',
      );
    }
    if (!form.code.trim()) {
      ctx.status = 400;
      return renderDisable(ctx, 'Enter a current code from your authenticator app.');
    }
    const check = await twoFactor.disable(user, form.code, ctx.ip);
    if (!check.ok) {
      answerRefusal(ctx, check.status, check.retryAfterSeconds);
      return renderDisable(ctx, check.message);
    }
    ctx.status = 303;
    ctx.redirect('/account?notice=disabled');
  });

  return router;
}
