import {
  effectiveRoles,
  isAdmin,
  twoFactorEnforcement,
  type Enforcement,
} from '../domain/mfa-policy.ts';
import type { Store } from '../store/index.ts';
import type { Group } from '../store/repos/groups.repo.ts';
import type { Role } from '../store/repos/roles.repo.ts';
import type { User } from '../store/repos/users.repo.ts';

/** What a user may do and must do, from their own roles and the roles of their groups. */
export interface AccessProfile {
  groups: Group[];
  effectiveRoles: Role[];
  isAdmin: boolean;
  enforcement: Enforcement;
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

/**
 * Why the user may not turn 2FA off (a role, directly or through a group, enforces it, or they
 * are an admin, who always signs in with two factors), as a sentence for Profile; null if they may.
 */
export function mustKeepTwoFactor(profile: AccessProfile): string | null {
  const [reason] = profile.enforcement.reasons;
  if (reason) {
    const via = reason.group ? ` (through your group ${reason.group})` : '';
    return `Your role ${reason.role}${via} requires two-factor authentication, so it cannot be turned off.`;
  }
  if (profile.isAdmin) {
    return 'Administrators always use two-factor authentication, so it cannot be turned off.';
  }
  return null;
}
