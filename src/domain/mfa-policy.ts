/** A role as policy sees it: whether it forces 2FA and whether it grants administration. */
export interface RoleFacts {
  id: string;
  name: string;
  enforce2fa: boolean;
  admin: boolean;
}

/** A group hands its roles to every member. */
export interface GroupFacts {
  id: string;
  name: string;
  roleIds: string[];
}

/** The role and group ids stored on a user. */
export interface UserMembership {
  roleIds: string[];
  groupIds: string[];
}

function byName<T extends { name: string; id: string }>(a: T, b: T): number {
  if (a.name !== b.name) return a.name < b.name ? -1 : 1;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

function userGroups(user: UserMembership, groups: readonly GroupFacts[]): GroupFacts[] {
  return groups.filter((group) => user.groupIds.includes(group.id)).sort(byName);
}

/**
 * Every role a user holds, directly or through a group, once each and in a stable order, so that
 * permissions and 2FA enforcement follow group membership. Dangling ids are ignored.
 */
export function effectiveRoles(
  user: UserMembership,
  roles: readonly RoleFacts[],
  groups: readonly GroupFacts[],
): RoleFacts[] {
  const ids = new Set([
    ...user.roleIds,
    ...userGroups(user, groups).flatMap((group) => group.roleIds),
  ]);
  return roles.filter((role) => ids.has(role.id)).sort(byName);
}

/**
 * Whether some role forces this user to use 2FA, with each enforcing role and where it comes from
 * (group null = assigned directly), so the user and admins can see why enrollment is mandatory.
 */
export function twoFactorEnforcement(
  user: UserMembership,
  roles: readonly RoleFacts[],
  groups: readonly GroupFacts[],
): { required: boolean; reasons: Array<{ role: string; group: string | null }> } {
  const memberOf = userGroups(user, groups);
  const reasons = effectiveRoles(user, roles, groups)
    .filter((role) => role.enforce2fa)
    .flatMap((role) => [
      ...(user.roleIds.includes(role.id) ? [{ role: role.name, group: null }] : []),
      ...memberOf
        .filter((group) => group.roleIds.includes(role.id))
        .map((group) => ({ role: role.name, group: group.name })),
    ]);
  return { required: reasons.length > 0, reasons };
}

/** Whether the user may use the admin area, through any direct or group role. */
export function isAdmin(
  user: UserMembership,
  roles: readonly RoleFacts[],
  groups: readonly GroupFacts[],
): boolean {
  return effectiveRoles(user, roles, groups).some((role) => role.admin);
}
