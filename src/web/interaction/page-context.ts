import type { Context } from 'koa';
import { appBrandingOf, type AppBranding } from '../../oidc/app-branding.ts';
import type { WebDeps } from '../context.ts';
import type { InteractionDetails } from './flow.ts';

/** The application of a sign-in, looked up by its client id (src/oidc/app-branding.ts). */
export async function appBranding(
  deps: Pick<WebDeps, 'provider' | 'config'>,
  clientId: unknown,
): Promise<AppBranding | undefined> {
  if (typeof clientId !== 'string' || !clientId) return undefined;
  const client = await deps.provider.Client.find(clientId).catch(() => undefined);
  return appBrandingOf(client, deps.config.issuer);
}

/**
 * What every sign-in page shows around its form: the interaction, its CSRF token, the
 * application, and, once the password was accepted, who is signing in with a way to switch.
 */
export async function interactionPageLocals(
  ctx: Context,
  deps: WebDeps,
  details: InteractionDetails,
  who?: { email: string },
) {
  return {
    uid: details.uid,
    csrf: deps.csrf.token(ctx),
    app: await appBranding(deps, details.params.client_id),
    appLabel: 'Sign in to continue to',
    ...(who ? { who: who.email, switchHref: `/interaction/${details.uid}/login` } : {}),
  };
}
