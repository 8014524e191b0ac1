import { loadAccessProfile } from '../services/access-profile.ts';
import type { Store } from '../store/index.ts';
import type { User } from '../store/repos/users.repo.ts';
import { signInRequirement, type Requirement, type RequestFacts } from './requirement.ts';

/**
 * The requirement of an authorization request for `user`, read fresh (roles and groups from the
 * store's cache): the one decision the login interaction and the provider's session check share.
 */
export async function requirementFor(
  store: Store,
  user: User,
  request: RequestFacts,
  adminsNeedTwoFactor: boolean,
): Promise<Requirement> {
  const profile = await loadAccessProfile(store, user);
  return signInRequirement(
    {
      hasSecondFactor: (await store.credentials.findTotp(user.id)) !== null,
      enforcedByRole: profile.enforcement.required,
      isAdmin: adminsNeedTwoFactor && profile.isAdmin,
    },
    request,
  );
}
