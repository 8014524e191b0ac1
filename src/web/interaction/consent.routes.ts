import Router from '@koa/router';
import type { Context } from 'koa';
import type { WebDeps } from '../context.ts';
import { csrfOnlyForm, readVerifiedForm } from '../middleware/csrf.ts';
import { completeInteraction, loadInteraction, type InteractionDetails } from './flow.ts';
import { interactionPageLocals } from './page-context.ts';
import { describeScopes } from './scope-descriptions.ts';

interface ConsentDetails {
  missingOIDCScope?: string[];
  missingOIDCClaims?: string[];
  missingResourceScopes?: Record<string, string[]>;
}

/** Grants what the consent prompt reports missing and finishes the prompt. */
async function grantAndFinish(
  ctx: Context,
  deps: WebDeps,
  details: InteractionDetails,
): Promise<void> {
  const accountId = String(details.session?.accountId ?? '');
  const clientId = String(details.params.client_id ?? '');
  const grant = details.grantId
    ? ((await deps.provider.Grant.find(details.grantId)) ??
      new deps.provider.Grant({ accountId, clientId }))
    : new deps.provider.Grant({ accountId, clientId });
  const missing = details.prompt.details as ConsentDetails;
  if (missing.missingOIDCScope?.length) grant.addOIDCScope(missing.missingOIDCScope.join(' '));
  if (missing.missingOIDCClaims?.length) grant.addOIDCClaims(missing.missingOIDCClaims);
  for (const [resource, scopes] of Object.entries(missing.missingResourceScopes ?? {})) {
    grant.addResourceScope(resource, scopes.join(' '));
  }
  const grantId = await grant.save();
  await completeInteraction(ctx, deps, { consent: { grantId } });
}

/** Consent page for third-party clients; first-party clients are approved without asking. */
export async function showConsent(
  ctx: Context,
  deps: WebDeps,
  details: InteractionDetails,
): Promise<void> {
  const client = await deps.provider.Client.find(String(details.params.client_id ?? ''));
  if (client?.['first_party'] === true) return grantAndFinish(ctx, deps, details);
  const missing = details.prompt.details as ConsentDetails;
  const user = await deps.services.signin.sessionUser(String(details.session?.accountId ?? ''));
  const locals = await interactionPageLocals(ctx, deps, details);
  ctx.set('Cache-Control', 'no-store');
  ctx.type = 'html';
  ctx.body = deps.render('interaction/consent', {
    ...locals,
    appLabel: 'Application asking for access',
    clientName: locals.app?.name ?? 'An application',
    who: user?.email,
    access: describeScopes([
      ...(missing.missingOIDCScope ?? []),
      ...Object.values(missing.missingResourceScopes ?? {}).flat(),
    ]),
  });
}

/** The consent POST. */
export function consentRoutes(deps: WebDeps): Router {
  const router = new Router();
  router.post('/interaction/:uid/confirm', async (ctx) => {
    const details = await loadInteraction(ctx, deps);
    await readVerifiedForm(ctx, deps.csrf, csrfOnlyForm);
    if (details.prompt.name !== 'consent') {
      ctx.status = 400;
      ctx.body = deps.render('error', {
        status: 400,
        title: 'Nothing to approve',
        message: 'This sign-in does not ask for your approval. Go back to the application.',
      });
      return;
    }
    await grantAndFinish(ctx, deps, details);
  });
  return router;
}
