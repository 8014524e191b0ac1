import type { Context } from 'koa';
import type { WebDeps } from '../context.ts';

/** The provider's SSO session of this browser, as our pages see it. */
export interface ProviderSession {
  /** Stable for the life of the session (its `jti` changes at each sign-in). */
  uid: string;
  accountId: string;
  /** When the account last signed in with its password (seconds since the epoch). */
  loginTs: number | undefined;
}

/**
 * The signed-in SSO session behind this browser's provider cookie, or null when there is none
 * (never signed in, signed out, expired, or ended from elsewhere). The account and admin pages
 * ride on it, so they never outlive it or show another account than it.
 */
export async function providerSessionOf(
  ctx: Context,
  deps: Pick<WebDeps, 'provider'>,
): Promise<ProviderSession | null> {
  const session = await deps.provider.Session.get(ctx);
  if (!session.accountId) return null;
  return { uid: session.uid, accountId: session.accountId, loginTs: session.loginTs };
}
