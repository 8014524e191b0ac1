import { interactionPolicy, type KoaContextWithOIDC } from 'oidc-provider';
import { requestsMultiFactor, satisfiesMultiFactor } from '../domain/auth-context.ts';
import { secondFactorNeed } from '../domain/mfa-policy.ts';
import { loadAccessProfile } from '../services/access-profile.ts';
import type { Store } from '../store/index.ts';
import type { User } from '../store/repos/users.repo.ts';

const { Check, base } = interactionPolicy;

/** Reason our check adds to the login prompt when an existing session lacks a second factor. */
export const MFA_REQUIRED = 'mfa_required';
/** Reason our check adds when the session's account was disabled or deleted. */
export const ACCOUNT_UNAVAILABLE = 'account_unavailable';

/**
 * The provider's default prompts plus two checks on `login`, evaluated on every authorization
 * request so an existing SSO session must meet today's policy (DESIGN.md, "Sign-in"): a session
 * made with the password only is sent back through the login interaction when the user now owes
 * a second factor (own 2FA, a role that enforces it, a client that requires it, or `acr_values`
 * asking for multi-factor), and a session of a disabled account is not honoured.
 */
export function createInteractionPolicy(store: Store) {
  const policy = base();
  const login = policy.get('login');
  if (!login) throw new Error('oidc-provider base policy has no login prompt');

  // Both checks need the session's user: read it once per authorization request.
  const sessionUsers = new WeakMap<object, Promise<User | null>>();
  const sessionUser = (ctx: KoaContextWithOIDC, accountId: string): Promise<User | null> => {
    let user = sessionUsers.get(ctx.oidc);
    if (!user) {
      user = store.users.findById(accountId);
      sessionUsers.set(ctx.oidc, user);
    }
    return user;
  };

  login.checks.add(
    new Check(ACCOUNT_UNAVAILABLE, 'the signed-in account is no longer available', async (ctx) => {
      const accountId = ctx.oidc.session?.accountId;
      if (!accountId) return Check.NO_NEED_TO_PROMPT;
      const user = await sessionUser(ctx, accountId);
      return user && !user.disabled ? Check.NO_NEED_TO_PROMPT : Check.REQUEST_PROMPT;
    }),
  );

  login.checks.add(
    new Check(MFA_REQUIRED, 'multi-factor authentication is required', async (ctx) => {
      const session = ctx.oidc.session;
      if (!session?.accountId || satisfiesMultiFactor(session.amr)) return Check.NO_NEED_TO_PROMPT;
      const user = await sessionUser(ctx, session.accountId);
      if (!user) return Check.NO_NEED_TO_PROMPT;
      const need = await secondFactorNeedFor(store, {
        user,
        clientRequiresMfa: ctx.oidc.client?.['require_mfa'] === true,
        acrValues: ctx.oidc.params?.acr_values,
      });
      return need === 'none' ? Check.NO_NEED_TO_PROMPT : Check.REQUEST_PROMPT;
    }),
  );
  return policy;
}

/**
 * What the user owes beyond the password for this authorization request. Shared by the check
 * above and the login interaction so both apply the same rule.
 */
export async function secondFactorNeedFor(
  store: Store,
  request: { user: User; clientRequiresMfa: boolean; acrValues: unknown },
): Promise<'none' | 'challenge' | 'enroll'> {
  const { user } = request;
  const profile = await loadAccessProfile(store, user);
  return secondFactorNeed({
    totpEnabled: user.totp !== null,
    enforcedByRole: profile.enforcement.required,
    clientRequiresMfa: request.clientRequiresMfa,
    mfaRequested: requestsMultiFactor(
      typeof request.acrValues === 'string' ? request.acrValues : undefined,
    ),
  });
}
