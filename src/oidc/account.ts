import type { Account, FindAccount } from 'oidc-provider';
import { loadAccessProfile } from '../services/access-profile.ts';
import type { Store } from '../store/index.ts';

/**
 * oidc-provider's account lookup. Disabled or deleted users have no account, so an existing
 * session of theirs cannot mint tokens. Claims are read at issue time (OIDC Core 5.4 scopes
 * `profile`, `email`, and our `roles` scope with `roles` and `groups`).
 */
export function createFindAccount(store: Store): FindAccount {
  return async (_ctx, sub): Promise<Account | undefined> => {
    const user = await store.users.findById(sub);
    if (!user || user.disabled) return undefined;
    return {
      accountId: user.id,
      async claims() {
        const profile = await loadAccessProfile(store, user);
        return {
          sub: user.id,
          email: user.email,
          email_verified: false,
          name: user.name || user.email,
          preferred_username: user.email,
          roles: profile.effectiveRoles.map((r) => r.name),
          groups: profile.groups.map((g) => g.name),
        };
      },
    };
  };
}
