import Router from '@koa/router';
import type { Context } from 'koa';
import { z } from 'zod';
import { isAppError } from '../../domain/errors.ts';
import { twoFactorDeadline } from '../../domain/mfa-policy.ts';
import { PASSWORD_MAX_LENGTH } from '../../domain/password-policy.ts';
import { RECOVERY_CODES_LOW } from '../../factors/recovery-code/recovery-code-factor.ts';
import { mustKeepTwoFactor } from '../../services/access-profile.ts';
import type { User } from '../../store/repos/users.repo.ts';
import type { WebDeps } from '../context.ts';
import { originOf } from '../origin.ts';
import { csrfField, csrfOnlyForm, readVerifiedForm } from '../middleware/csrf.ts';
import { requireConsoleUser } from '../console/session.ts';
import { providerSessionOf } from '../console/provider-session.ts';
import { answerRefusal } from '../refusal.ts';

const NOTICES: Record<string, string> = {
  enabled: 'Two-factor authentication is on.',
  disabled: 'Two-factor authentication is off.',
  password: 'Your password was changed. You were signed out everywhere else.',
  browser: 'That browser will be asked for a code again.',
  codes: 'Your new recovery codes are saved. The old ones no longer work.',
  replaced: 'Your new authenticator app is set up. The old one no longer works.',
  session: 'That session is signed out. Apps signed in through it must sign in again.',
};

const passwordForm = z.object({
  csrf: csrfField,
  current: z.string().min(1, 'Enter your current password').max(PASSWORD_MAX_LENGTH),
  password: z.string().min(1, 'Enter a new password').max(PASSWORD_MAX_LENGTH),
});

/** A provider session uid (node-oidc-provider's nanoid); anything else names no session. */
const sessionParams = z.object({ uid: z.string().regex(/^[\w-]{1,64}$/, 'No such session.') });

const signOutEverywhereForm = z.object({
  csrf: csrfField,
  forgetBrowsers: z.literal('on').optional(),
});

/**
 * The Profile page: 2FA status and link, remembered browsers, the user's sessions (sign out one,
 * or everywhere), password change.
 */
export function profileRoutes(deps: WebDeps): Router {
  const router = new Router();
  const { account, sessions } = deps.services;

  /** The uid of this browser's SSO session when it is this user's, to mark "This browser". */
  const thisBrowser = async (ctx: Context, user: User): Promise<string | null> => {
    const session = await providerSessionOf(ctx, deps);
    return session?.accountId === user.id ? session.uid : null;
  };

  const renderProfile = async (ctx: Context, user: User, extra: Record<string, unknown> = {}) => {
    const profile = await account.accessProfile(user);
    ctx.set('Cache-Control', 'no-store');
    ctx.type = 'html';
    ctx.body = deps.render('account/profile', {
      user,
      totp: await deps.services.totp.status(user.id),
      recoveryLeft: await deps.services.recovery.remaining(user.id),
      recoveryLow: RECOVERY_CODES_LOW,
      deadline: twoFactorDeadline(user.twoFactorOwedSince, profile.enforcement.graceDays),
      isAdmin: profile.isAdmin,
      enforcement: profile.enforcement,
      keepOnBecause: mustKeepTwoFactor(profile),
      browsers: await account.rememberedBrowsers(user.id),
      sessions: await sessions.list(user.id, await thisBrowser(ctx, user)),
      csrf: deps.csrf.token(ctx),
      notice: NOTICES[String(ctx.query.notice ?? '')],
      ...extra,
    });
  };

  router.get('/account', async (ctx) => {
    const current = await requireConsoleUser(ctx, deps);
    if (current) await renderProfile(ctx, current.user);
  });

  router.post('/account/browsers/:id/revoke', async (ctx) => {
    const current = await requireConsoleUser(ctx, deps);
    if (!current) return;
    await readVerifiedForm(ctx, deps.csrf, csrfOnlyForm);
    await account.forgetBrowser(current.user.id, ctx.params.id ?? '');
    ctx.status = 303;
    ctx.redirect('/account?notice=browser');
  });

  router.post('/account/sessions/:uid/sign-out', async (ctx) => {
    const current = await requireConsoleUser(ctx, deps);
    if (!current) return;
    const { uid } = sessionParams.parse(ctx.params);
    await readVerifiedForm(ctx, deps.csrf, csrfOnlyForm);
    const { user } = current;
    const ownBrowser = uid === (await thisBrowser(ctx, user));
    await sessions.signOut(user.id, uid, { id: user.id, email: user.email, ip: ctx.ip });
    ctx.status = 303;
    ctx.redirect(ownBrowser ? '/account/signed-out' : '/account?notice=session');
  });

  // Ends this browser's session too, so the user lands on the signed-out page.
  router.post('/account/sessions/sign-out-everywhere', async (ctx) => {
    const current = await requireConsoleUser(ctx, deps);
    if (!current) return;
    const form = await readVerifiedForm(ctx, deps.csrf, signOutEverywhereForm);
    const { user } = current;
    await sessions.signOutEverywhere(
      user.id,
      { id: user.id, email: user.email, ip: ctx.ip },
      { forgetBrowsers: form.forgetBrowsers === 'on' },
    );
    ctx.status = 303;
    ctx.redirect('/account/signed-out');
  });

  /** The password form alone: a refusal comes back here, with the heading and field in view. */
  const renderPasswordPage = (ctx: Context, errors: Record<string, string> = {}) => {
    ctx.set('Cache-Control', 'no-store');
    ctx.type = 'html';
    ctx.body = deps.render('account/password', { csrf: deps.csrf.token(ctx), ...errors });
  };

  router.get('/account/password', async (ctx) => {
    if (await requireConsoleUser(ctx, deps)) renderPasswordPage(ctx);
  });

  router.post('/account/password', async (ctx) => {
    const current = await requireConsoleUser(ctx, deps);
    if (!current) return;
    const form = await readVerifiedForm(ctx, deps.csrf, passwordForm);
    const { user } = current;
    const proven = await deps.services.password.recheck(user, form.current, ctx.ip);
    if (proven !== true) {
      answerRefusal(ctx, proven ? 429 : 401, proven ? proven.retryAfterSeconds : undefined);
      return renderPasswordPage(ctx, {
        currentPasswordError: proven ? proven.message : 'Your current password is not correct.',
      });
    }
    try {
      await account.changePassword(user, form.password, originOf(ctx));
    } catch (error) {
      if (!isAppError(error) || error.code !== 'validation_failed') throw error;
      ctx.status = 400;
      return renderPasswordPage(ctx, { newPasswordError: error.message });
    }
    ctx.status = 303;
    ctx.redirect('/account/login?return_to=/account%3Fnotice%3Dpassword');
  });

  return router;
}
