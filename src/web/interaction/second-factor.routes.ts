import Router from '@koa/router';
import type { Context } from 'koa';
import { z } from 'zod';
import { AppError } from '../../domain/errors.ts';
import type { Requirement } from '../../signin/requirement.ts';
import type { User } from '../../store/repos/users.repo.ts';
import type { WebDeps } from '../context.ts';
import { csrfField, csrfOnlyForm, readVerifiedForm } from '../middleware/csrf.ts';
import { originOf } from '../origin.ts';
import { recoveryCodesView } from '../recovery-codes-view.ts';
import { answerRefusal } from '../refusal.ts';
import { challengedUser, finishLogin, requirementOf, type InteractionDetails } from './flow.ts';
import { interactionPageLocals } from './page-context.ts';

const codeForm = z.object({
  code: z.string().max(64),
  remember: z.literal('on').optional(),
  csrf: csrfField,
});

const recoveryForm = z.object({ code: z.string().max(64), csrf: csrfField });

/** Whether the requirement lets this sign-in set up an authenticator (mandatory or in grace). */
function mayEnroll(
  requirement: Requirement,
): requirement is Extract<Requirement, { kind: 'enroll' | 'remind' }> {
  return requirement.kind === 'enroll' || requirement.kind === 'remind';
}

/**
 * The second step of sign-in: the code page (or a recovery code) for users with 2FA, and the
 * set-up for users who must use 2FA but have not set it up, which ends with their recovery codes.
 * All need a login challenge created by the password step in this same browser's interaction.
 */
export function secondFactorRoutes(deps: WebDeps): Router {
  const router = new Router();
  const { totp, rememberedBrowsers, signin, twoFactor } = deps.services;
  /** A set-up started at sign-in belongs to this interaction only (docs/signin.md). */
  const channelOf = (details: InteractionDetails) => `interaction:${details.uid}`;

  const page = async (
    ctx: Context,
    view: string,
    details: InteractionDetails,
    user: User,
    locals: object,
  ) => {
    ctx.set('Cache-Control', 'no-store');
    ctx.type = 'html';
    ctx.body = deps.render(view, {
      ...(await interactionPageLocals(ctx, deps, details, user)),
      ...locals,
    });
  };

  const renderOtp = (ctx: Context, details: InteractionDetails, user: User, extra: object = {}) =>
    page(ctx, 'interaction/otp', details, user, {
      rememberDays: deps.config.rememberBrowserDays,
      ...extra,
    });

  const renderEnroll = async (
    ctx: Context,
    details: InteractionDetails,
    user: User,
    requirement: Requirement,
    extra: object = {},
  ) => {
    const screen = await totp.begin(user, channelOf(details));
    await page(ctx, 'interaction/enroll', details, user, {
      screen,
      issuer: deps.config.totp.issuer,
      deadline: requirement.kind === 'remind' ? requirement.until : null,
      because: requirement.kind === 'enroll' ? requirement.because : 'role',
      ...extra,
    });
  };

  /** The requirement, refused unless it lets this sign-in set up an authenticator. */
  const enrollmentRequirement = async (details: InteractionDetails, user: User) => {
    const requirement = await requirementOf(deps, details, user);
    if (!mayEnroll(requirement)) {
      throw new AppError('forbidden', 'Set up two-factor authentication from your Profile page.');
    }
    return requirement;
  };

  router.get('/interaction/:uid/otp', async (ctx) => {
    const { details, user } = await challengedUser(ctx, deps);
    if (!(await totp.status(user.id)))
      return void ctx.redirect(`/interaction/${details.uid}/enroll`);
    await renderOtp(ctx, details, user);
  });

  router.post('/interaction/:uid/otp', async (ctx) => {
    const { details, user } = await challengedUser(ctx, deps);
    const form = await readVerifiedForm(ctx, deps.csrf, codeForm);
    const check = await signin.verifyCode(user, form.code, originOf(ctx));
    if (!check.ok) {
      answerRefusal(ctx, check.status, check.retryAfterSeconds);
      return await renderOtp(ctx, details, user, {
        error: check.message,
        remember: form.remember === 'on',
      });
    }
    if (form.remember === 'on') {
      const token = await signin.rememberBrowser(user, originOf(ctx));
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

  router.get('/interaction/:uid/recovery', async (ctx) => {
    const { details, user } = await challengedUser(ctx, deps);
    if (!(await totp.status(user.id)))
      return void ctx.redirect(`/interaction/${details.uid}/enroll`);
    await page(ctx, 'interaction/recovery', details, user, {});
  });

  router.post('/interaction/:uid/recovery', async (ctx) => {
    const { details, user } = await challengedUser(ctx, deps);
    const form = await readVerifiedForm(ctx, deps.csrf, recoveryForm);
    const check = await signin.verifyRecoveryCode(user, form.code, originOf(ctx));
    if (!check.ok) {
      answerRefusal(ctx, check.status, check.retryAfterSeconds);
      return await page(ctx, 'interaction/recovery', details, user, { error: check.message });
    }
    await finishLogin(ctx, deps, details, user, 'recovery_code');
  });

  router.get('/interaction/:uid/enroll', async (ctx) => {
    const { details, user } = await challengedUser(ctx, deps);
    if (await totp.status(user.id)) return void ctx.redirect(`/interaction/${details.uid}/otp`);
    const requirement = await enrollmentRequirement(details, user);
    await renderEnroll(ctx, details, user, requirement);
  });

  router.post('/interaction/:uid/enroll', async (ctx) => {
    const { details, user } = await challengedUser(ctx, deps);
    const form = await readVerifiedForm(ctx, deps.csrf, codeForm);
    const requirement = await enrollmentRequirement(details, user);
    const result = await twoFactor.enable(
      user,
      channelOf(details),
      form.code,
      originOf(ctx),
      'sign-in',
    );
    if (!result.ok) {
      answerRefusal(ctx, result.status, result.retryAfterSeconds);
      return renderEnroll(ctx, details, user, requirement, { error: result.message });
    }
    await signin.enrolled(details.uid);
    await page(ctx, 'interaction/recovery-codes', details, user, {
      ...recoveryCodesView(result.recoveryCodes, user, deps.config.totp.issuer),
    });
  });

  // "I have saved these codes": the sign-in that set up the authenticator finishes here.
  router.post('/interaction/:uid/continue', async (ctx) => {
    const { details, user } = await challengedUser(ctx, deps);
    await readVerifiedForm(ctx, deps.csrf, csrfOnlyForm);
    if (!(await signin.hasEnrolled(details.uid))) {
      throw new AppError('bad_request', 'Finish setting up two-factor authentication first.');
    }
    await finishLogin(ctx, deps, details, user, 'otp');
  });

  return router;
}
