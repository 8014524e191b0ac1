import Router from '@koa/router';
import type { WebDeps } from '../context.ts';
import { csrfOnlyForm, readVerifiedForm } from '../middleware/csrf.ts';
import { challengedUser, finishLogin, requirementOf } from './flow.ts';
import { interactionPageLocals } from './page-context.ts';

/**
 * The grace period's reminder at sign-in: a role requires 2FA from a deadline on, and until then
 * each sign-in offers "Set up now" (the set-up page) or "Remind me later" (signed in with the
 * password alone, `acr` single-factor). Once the deadline passes the set-up is mandatory.
 */
export function graceReminderRoutes(deps: WebDeps): Router {
  const router = new Router();

  router.get('/interaction/:uid/reminder', async (ctx) => {
    const { details, user } = await challengedUser(ctx, deps);
    const requirement = await requirementOf(deps, details, user);
    if (requirement.kind !== 'remind')
      return void ctx.redirect(`/interaction/${details.uid}/enroll`);
    ctx.set('Cache-Control', 'no-store');
    ctx.type = 'html';
    ctx.body = deps.render('interaction/reminder', {
      ...(await interactionPageLocals(ctx, deps, details, user)),
      deadline: requirement.until,
    });
  });

  router.post('/interaction/:uid/later', async (ctx) => {
    const { details, user } = await challengedUser(ctx, deps);
    await readVerifiedForm(ctx, deps.csrf, csrfOnlyForm);
    const requirement = await requirementOf(deps, details, user);
    if (requirement.kind !== 'remind') {
      ctx.status = 303;
      return void ctx.redirect(`/interaction/${details.uid}/enroll`);
    }
    await finishLogin(ctx, deps, details, user, null);
  });

  return router;
}
