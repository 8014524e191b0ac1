import Router from '@koa/router';
import type { Context } from 'koa';
import { z } from 'zod';
import { PASSWORD_MAX_LENGTH } from '../../domain/password-policy.ts';
import { ACCOUNT_UNAVAILABLE, MFA_REQUIRED } from '../../oidc/policy.ts';
import type { WebDeps } from '../context.ts';
import { csrfField, readVerifiedForm } from '../middleware/csrf.ts';
import {
  clientIdOf,
  completeInteraction,
  continueAfterPassword,
  loadInteraction,
  type InteractionDetails,
} from './flow.ts';
import { showConsent } from './consent.routes.ts';
import { answerRefusal } from '../refusal.ts';
import { interactionPageLocals } from './page-context.ts';

const loginForm = z.object({
  email: z.string().trim().min(1, 'Enter your email').max(320),
  password: z.string().min(1, 'Enter your password').max(PASSWORD_MAX_LENGTH),
  csrf: csrfField,
});

/** Only our own check asked for the login prompt: the session's password still counts. */
function onlyStepUp(details: InteractionDetails): boolean {
  const reasons = details.prompt.reasons;
  return (
    Boolean(details.session?.accountId) &&
    reasons.length > 0 &&
    reasons.every((r) => r === MFA_REQUIRED)
  );
}

/** The login interaction: the page, the password POST, and abort. */
export function loginRoutes(deps: WebDeps): Router {
  const router = new Router();
  const renderLogin = async (
    ctx: Context,
    details: InteractionDetails,
    extra: Record<string, unknown> = {},
  ) => {
    ctx.set('Cache-Control', 'no-store');
    ctx.type = 'html';
    ctx.body = deps.render('interaction/login', {
      ...(await interactionPageLocals(ctx, deps, details)),
      email: details.params.login_hint ?? '',
      ...extra,
    });
  };

  router.get('/interaction/:uid', async (ctx) => {
    const details = await loadInteraction(ctx, deps);
    if (details.prompt.name === 'consent') return showConsent(ctx, deps, details);
    if (details.prompt.name !== 'login') return completeInteraction(ctx, deps, {});
    if (onlyStepUp(details) && !details.prompt.reasons.includes(ACCOUNT_UNAVAILABLE)) {
      const user = await deps.services.signin.sessionUser(String(details.session?.accountId));
      if (user) return continueAfterPassword(ctx, deps, details, user);
    }
    await renderLogin(ctx, details);
  });

  // "Not you?" on the pages after the password: the same sign-in, for another account.
  router.get('/interaction/:uid/login', async (ctx) => {
    const details = await loadInteraction(ctx, deps);
    if (details.prompt.name !== 'login') return completeInteraction(ctx, deps, {});
    await renderLogin(ctx, details, { email: '' });
  });

  router.post('/interaction/:uid/login', async (ctx) => {
    const details = await loadInteraction(ctx, deps);
    const form = await readVerifiedForm(ctx, deps.csrf, loginForm);
    const check = await deps.services.password.verify(form.email, form.password, ctx.ip);
    if (!check.ok) {
      const client = clientIdOf(details);
      await deps.services.signin.passwordRefused(
        form.email,
        ctx.ip,
        client,
        Boolean(check.refused),
      );
      answerRefusal(ctx, check.refused ? 429 : 401, check.refused?.retryAfterSeconds);
      return await renderLogin(ctx, details, {
        email: form.email,
        error: check.refused?.message ?? 'Invalid email or password.',
      });
    }
    const { user } = check;
    await continueAfterPassword(ctx, deps, details, user);
  });

  router.get('/interaction/:uid/abort', async (ctx) => {
    await loadInteraction(ctx, deps);
    await completeInteraction(ctx, deps, {
      error: 'access_denied',
      error_description: 'The user cancelled the sign-in.',
    });
  });

  return router;
}
