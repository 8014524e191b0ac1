import Router from '@koa/router';
import type { Context } from 'koa';
import { z } from 'zod';
import { twoFactorDeadline } from '../../domain/mfa-policy.ts';
import { PASSWORD_MAX_LENGTH } from '../../domain/password-policy.ts';
import { RECOVERY_CODES_LOW } from '../../factors/recovery-code/recovery-code-factor.ts';
import { mustKeepTwoFactor } from '../../services/access-profile.ts';
import type { User } from '../../store/repos/users.repo.ts';
import type { WebDeps } from '../context.ts';
import { originOf } from '../origin.ts';
import { csrfField, csrfOnlyForm, readVerifiedForm } from '../middleware/csrf.ts';
import { requireConsoleUser } from '../console/session.ts';
import { answerRefusal } from '../refusal.ts';

const NOTICES: Record<string, string> = {
  enabled: 'Two-factor authentication is on.',
  disabled: 'Two-factor authentication is off.',
  password: 'Your password was changed. You were signed out everywhere else.',
  browser: 'That browser will be asked for a code again.',
  codes: 'Your new recovery codes are saved. The old ones no longer work.',
  replaced: 'Your new authenticator app is set up. The old one no longer works.',
};

const passwordForm = z.object({
  csrf: csrfField,
  current: z.string().min(1, 'Enter your current password').max(PASSWORD_MAX_LENGTH),
  password: z.string().min(1, 'Enter a new password').max(PASSWORD_MAX_LENGTH),
});

/** The Profile page: 2FA status and link, remembered browsers, password change. */
export function profileRoutes(deps: WebDeps): Router {
  const router = new Router();
  const { account } = deps.services;

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

  router.post('/account/password', async (ctx) => {
    const current = await requireConsoleUser(ctx, deps);
    if (!current) return;
    const form = await readVerifiedForm(ctx, deps.csrf, passwordForm);
    const { user } = current;
    const proven = await deps.services.password.recheck(user, form.current, ctx.ip);
    if (proven !== true) {
      answerRefusal(ctx, proven ? 429 : 401, proven ? proven.retryAfterSeconds : undefined);
      return renderProfile(ctx, user, {
        passwordError: proven ? proven.message : 'Your current password is not correct.',
      });
    }
    await account.changePassword(user, form.password, originOf(ctx));
    ctx.status = 303;
    ctx.redirect('/account/login?return_to=/account%3Fnotice%3Dpassword');
  });

  return router;
}
