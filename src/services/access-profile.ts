import { effectiveRoles, isAdmin, twoFactorEnforcement } from '../domain/mfa-policy.ts';
import type { Store } from '../store/index.ts';
import type { Group } from '../store/repos/groups.repo.ts';
import type { Role } from '../store/repos/roles.repo.ts';
import type { User } from '../store/repos/users.repo.ts';

/** What a user may do and must do, from their own roles and the roles of their groups. */
export interface AccessProfile {
  groups: Group[];
  effectiveRoles: Role[];
  isAdmin: boolean;
  enforcement: { required: boolean; reasons: Array<{ role: string; group: string | null }> };
}

/**
 * Resolves a user's effective roles (own plus their groups'), whether a role enforces 2FA and
 * why, and whether they are an admin. Read fresh on every authorization request so role changes
 * apply at the next sign-in without waiting for sessions to expire.
 */
export async function loadAccessProfile(store: Store, user: User): Promise<AccessProfile> {
  const groups = await store.groups.findByIds(user.groupIds);
  const roleIds = [...new Set([...user.roleIds, ...groups.flatMap((g) => g.roleIds)])];
  const roles = await store.roles.findByIds(roleIds);
  return {
    groups,
    effectiveRoles: effectiveRoles(user, roles, groups),
    isAdmin: isAdmin(user, roles, groups),
    enforcement: twoFactorEnforcement(user, roles, groups),
  };
}
