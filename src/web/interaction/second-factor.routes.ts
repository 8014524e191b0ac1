import Router from '@koa/router';
import type { Context } from 'koa';
import { z } from 'zod';
import { AppError } from '../../domain/errors.ts';
import type { User } from '../../store/repos/users.repo.ts';
import type { WebDeps } from '../context.ts';
import { csrfField, readVerifiedForm } from '../middleware/csrf.ts';
import { challengedUser, finishLogin, requirementOf, type InteractionDetails } from './flow.ts';
import { answerRefusal } from '../refusal.ts';

const codeForm = z.object({
  code: z.string().max(64),
  remember: z.literal('on').optional(),
  csrf: csrfField,
});

/**
 * The second step of sign-in: the code page for users with 2FA, and mandatory enrollment for
 * users who must use 2FA but have not set it up. Both need a login challenge created by the
 * password step in this same browser's interaction.
 */
export function secondFactorRoutes(deps: WebDeps): Router {
  const router = new Router();
  const { totp, rememberedBrowsers, signin, twoFactor } = deps.services;
  /** A set-up started at sign-in belongs to this interaction only (docs/signin.md). */
  const channelOf = (details: InteractionDetails) => `interaction:${details.uid}`;

  const renderOtp = (
    ctx: Context,
    details: InteractionDetails,
    extra: Record<string, unknown> = {},
  ) => {
    ctx.set('Cache-Control', 'no-store');
    ctx.type = 'html';
    ctx.body = deps.render('interaction/otp', {
      uid: details.uid,
      csrf: deps.csrf.token(ctx),
      rememberDays: deps.config.rememberBrowserDays,
      ...extra,
    });
  };

  const renderEnroll = async (
    ctx: Context,
    details: InteractionDetails,
    user: User,
    extra: Record<string, unknown> = {},
  ) => {
    const screen = await totp.begin(user, channelOf(details));
    ctx.set('Cache-Control', 'no-store');
    ctx.type = 'html';
    ctx.body = deps.render('interaction/enroll', {
      uid: details.uid,
      csrf: deps.csrf.token(ctx),
      screen,
      issuer: deps.config.totp.issuer,
      ...extra,
    });
  };

  router.get('/interaction/:uid/otp', async (ctx) => {
    const { details, user } = await challengedUser(ctx, deps);
    if (!(await totp.status(user.id)))
      return void ctx.redirect(`/interaction/${details.uid}/enroll`);
    renderOtp(ctx, details);
  });

  router.post('/interaction/:uid/otp', async (ctx) => {
    const { details, user } = await challengedUser(ctx, deps);
    const form = await readVerifiedForm(ctx, deps.csrf, codeForm);
    const check = await signin.verifyCode(user, form.code, ctx.ip);
    if (!check.ok) {
      answerRefusal(ctx, check.status, check.retryAfterSeconds);
      return renderOtp(ctx, details, { error: check.message });
    }
    if (form.remember === 'on') {
      const token = await rememberedBrowsers.remember(user, ctx.get('user-agent'));
      if (token) {
        ctx.cookies.set(rememberedBrowsers.cookieName, token, {
          httpOnly: true,
          sameSite: 'lax',
          secure: deps.config.secureCookies,
          path: '/',
          maxAge: rememberedBrowsers.maxAgeMs,
          signed: false,
          overwrite: true,
        });
      }
    }
    await finishLogin(ctx, deps, details, user, 'otp');
  });

  router.get('/interaction/:uid/enroll', async (ctx) => {
    const { details, user } = await challengedUser(ctx, deps);
    if (await totp.status(user.id)) return void ctx.redirect(`/interaction/${details.uid}/otp`);
    const requirement = await requirementOf(deps, details, user);
    if (requirement.kind !== 'enroll') {
      throw new AppError('forbidden', 'Set up two-factor authentication from your Profile page.');
    }
    await renderEnroll(ctx, details, user, { enforced: true, because: requirement.because });
  });

  router.post('/interaction/:uid/enroll', async (ctx) => {
    const { details, user } = await challengedUser(ctx, deps);
    const form = await readVerifiedForm(ctx, deps.csrf, codeForm);
    const requirement = await requirementOf(deps, details, user);
    if (requirement.kind !== 'enroll') {
      throw new AppError('forbidden', 'Set up two-factor authentication from your Profile page.');
    }
    const check = await twoFactor.enable(user, channelOf(details), form.code, ctx.ip, 'sign-in');
    if (!check.ok) {
      answerRefusal(ctx, check.status, check.retryAfterSeconds);
      return renderEnroll(ctx, details, user, { error: check.message, enforced: true });
    }
    await finishLogin(ctx, deps, details, user, 'otp');
  });

  return router;
}
