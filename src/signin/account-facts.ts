import { twoFactorDeadline } from '../domain/mfa-policy.ts';
import { loadAccessProfile } from '../services/access-profile.ts';
import type { Store } from '../store/index.ts';
import type { User } from '../store/repos/users.repo.ts';
import { signInRequirement, type Requirement, type RequestFacts } from './requirement.ts';

/**
 * The requirement of an authorization request for `user`, read fresh (roles and groups from the
 * store's cache): the one decision the login interaction and the provider's session check share.
 * The first time a role with a grace period finds the user without 2FA, the grace period starts
 * (and from then on never moves).
 */
export async function requirementFor(
  store: Store,
  user: User,
  request: RequestFacts,
  adminsNeedTwoFactor: boolean,
): Promise<Requirement> {
  const profile = await loadAccessProfile(store, user);
  const hasSecondFactor = (await store.credentials.findTotp(user.id)) !== null;
  const { required, graceDays } = profile.enforcement;
  const now = new Date();
  const owedSince =
    required && !hasSecondFactor && graceDays > 0
      ? (user.twoFactorOwedSince ?? (await store.users.markTwoFactorOwed(user.id, now)))
      : null;
  return signInRequirement(
    {
      hasSecondFactor,
      enforcedByRole: required,
      graceUntil: twoFactorDeadline(owedSince, graceDays),
      isAdmin: adminsNeedTwoFactor && profile.isAdmin,
    },
    request,
    now,
  );
}
