import Router from '@koa/router';
import type { Context } from 'koa';
import { z } from 'zod';
import { PASSWORD_MAX_LENGTH } from '../../domain/password-policy.ts';
import type { User } from '../../store/repos/users.repo.ts';
import type { WebDeps } from '../context.ts';
import { csrfField, readVerifiedForm } from '../middleware/csrf.ts';
import { requireConsoleUser } from '../console/session.ts';

const enableForm = z.object({ csrf: csrfField, code: z.string().max(64) });
const disableForm = z.object({
  csrf: csrfField,
  code: z.string().max(64).optional().default(''),
  password: z.string().max(PASSWORD_MAX_LENGTH).optional().default(''),
  confirm: z.literal('yes', { message: 'Tick the box to confirm.' }).optional(),
});

/**
 * Self-service 2FA from the Profile page. Only the user can turn it on, after a recent sign-in
 * (`REAUTH_MAX_AGE_SECONDS`) and a correct code; turning it off needs a current code or the
 * password, and a confirmation.
 */
export function accountTwoFactorRoutes(deps: WebDeps): Router {
  const router = new Router();
  const { twoFactor } = deps.services;
  const recent = { recentSeconds: deps.config.reauthMaxAgeSeconds };

  const renderEnable = async (ctx: Context, user: User, error?: string) => {
    const screen = await twoFactor.beginEnrollment(user);
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
    if (current.user.totp) return void ctx.redirect('/account');
    await renderEnable(ctx, current.user);
  });

  router.post('/account/2fa/enable', async (ctx) => {
    const current = await requireConsoleUser(ctx, deps, recent);
    if (!current) return;
    const form = await readVerifiedForm(ctx, deps.csrf, enableForm);
    const { user } = current;
    if (user.totp) return void ctx.redirect('/account');
    const check = await twoFactor.confirmEnrollment(user, form.code);
    if (!check.ok) {
      ctx.status = check.status;
      return renderEnable(ctx, (await deps.store.users.findById(user.id)) ?? user, check.message);
    }
    await deps.services.audit.record(
      { id: user.id, email: user.email, ip: ctx.ip },
      'totp.enabled',
      { type: 'user', id: user.id, label: user.email },
    );
    ctx.status = 303;
    ctx.redirect('/account?notice=enabled');
  });

  router.get('/account/2fa/disable', async (ctx) => {
    const current = await requireConsoleUser(ctx, deps);
    if (!current) return;
    if (!current.user.totp) return void ctx.redirect('/account');
    renderDisable(ctx);
  });

  router.post('/account/2fa/disable', async (ctx) => {
    const current = await requireConsoleUser(ctx, deps);
    if (!current) return;
    const form = await readVerifiedForm(ctx, deps.csrf, disableForm);
    const { user } = current;
    if (!user.totp) return void ctx.redirect('/account');
    if (!form.confirm) {
      ctx.status = 400;
      return renderDisable(
        ctx,
        'Tick the box to confirm that you want to turn two-factor authentication off.',
      );
    }
    let proven = false;
    if (form.code.trim()) {
      const check = await twoFactor.verifySignInCode(user, form.code);
      if (!check.ok) {
        ctx.status = check.status;
        return renderDisable(ctx, check.message);
      }
      proven = true;
    } else if (form.password) {
      proven = await deps.services.passwords.verify(user.passwordHash, form.password);
    }
    if (!proven) {
      ctx.status = 401;
      return renderDisable(ctx, 'Enter a current code from your app, or your password.');
    }
    await twoFactor.disable(user.id);
    await deps.services.audit.record(
      { id: user.id, email: user.email, ip: ctx.ip },
      'totp.disabled',
      { type: 'user', id: user.id, label: user.email },
      'success',
      { by: 'self' },
    );
    ctx.status = 303;
    ctx.redirect('/account?notice=disabled');
  });

  return router;
}
