import { errors, interactionPolicy, type KoaContextWithOIDC } from 'oidc-provider';
import { requirementFor } from '../signin/account-facts.ts';
import { requestFacts } from '../signin/request-facts.ts';
import { sessionMeets, type Requirement } from '../signin/requirement.ts';
import type { Store } from '../store/index.ts';
import type { User } from '../store/repos/users.repo.ts';

const { Check, base } = interactionPolicy;

/** Reason our check adds to the login prompt when an existing session lacks a second factor. */
export const MFA_REQUIRED = 'mfa_required';
/** Reason our check adds when the session's account was disabled or deleted. */
export const ACCOUNT_UNAVAILABLE = 'account_unavailable';
/** The provider's own `acr` checks, replaced by the sign-in requirement (docs/signin.md). */
const PROVIDER_ACR_CHECKS = ['essential_acr', 'essential_acrs'];

/**
 * The provider's default prompts with the login prompt's `acr` handling replaced by ours, so an
 * existing SSO session must meet today's requirement (src/signin/requirement.ts):
 *
 * - a session of a disabled or deleted account is not honoured;
 * - a session that lacks a factor the requirement needs (own 2FA, a role or the client that
 *   enforces it, an admin, an essential `acr`) is sent back through the login interaction;
 * - with `prompt=none` that answer is `unmet_authentication_requirements` (OpenID Connect Core
 *   Unmet Authentication Requirements 1.0), not `login_required`: the user is signed in, but not
 *   strongly enough.
 *
 * The provider's `essential_acr(s)` checks compare the session's `acr` with the requested value for
 * equality, so a multi-factor session would be asked again for a single-factor request and a
 * request the user cannot meet would loop on the password page; our requirement treats a
 * requested `acr` as a minimum and ends an unmeetable one with an error instead.
 */
export function createInteractionPolicy(store: Store, adminsNeedTwoFactor: boolean) {
  const policy = base();
  const login = policy.get('login');
  if (!login) throw new Error('oidc-provider base policy has no login prompt');
  for (const name of PROVIDER_ACR_CHECKS) login.checks.remove(name);

  // Every check needs the session's user and requirement: work them out once per request.
  const cache = new WeakMap<
    object,
    Promise<{ user: User | null; requirement: Requirement | null }>
  >();
  const sessionFacts = (ctx: KoaContextWithOIDC, accountId: string) => {
    let facts = cache.get(ctx.oidc);
    if (!facts) {
      facts = (async () => {
        const user = await store.users.findById(accountId);
        if (!user || user.disabled) return { user, requirement: null };
        const request = requestFacts(
          (ctx.oidc.params ?? {}) as Record<string, unknown>,
          ctx.oidc.client as { require_mfa?: unknown } | undefined,
        );
        return {
          user,
          requirement: await requirementFor(store, user, request, adminsNeedTwoFactor),
        };
      })();
      cache.set(ctx.oidc, facts);
    }
    return facts;
  };
  const unmet = async (ctx: KoaContextWithOIDC): Promise<boolean> => {
    const session = ctx.oidc.session;
    if (!session?.accountId) return false;
    const { requirement } = await sessionFacts(ctx, session.accountId);
    return requirement !== null && !sessionMeets(requirement, session.amr);
  };

  login.checks.add(
    new Check(
      'unmet_authentication_requirements',
      'the session does not meet the authentication requirements',
      async (ctx) => {
        if (ctx.oidc.prompts.has('none') && (await unmet(ctx))) {
          throw new errors.UnmetAuthenticationRequirements(
            'a second factor is required; sign in interactively',
          );
        }
        return Check.NO_NEED_TO_PROMPT;
      },
    ),
    0,
  );

  login.checks.add(
    new Check(ACCOUNT_UNAVAILABLE, 'the signed-in account is no longer available', async (ctx) => {
      const accountId = ctx.oidc.session?.accountId;
      if (!accountId) return Check.NO_NEED_TO_PROMPT;
      const { user } = await sessionFacts(ctx, accountId);
      return user && !user.disabled ? Check.NO_NEED_TO_PROMPT : Check.REQUEST_PROMPT;
    }),
  );

  login.checks.add(
    new Check(MFA_REQUIRED, 'multi-factor authentication is required', async (ctx) =>
      (await unmet(ctx)) ? Check.REQUEST_PROMPT : Check.NO_NEED_TO_PROMPT,
    ),
  );
  return policy;
}
