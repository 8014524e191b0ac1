/** A role as policy sees it: whether it forces 2FA and whether it grants administration. */
export interface RoleFacts {
  id: string;
  name: string;
  enforce2fa: boolean;
  /** Days of grace before an enforcing role's members must have 2FA (0 or absent: none). */
  enforce2faGraceDays?: number;
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
export function effectiveRoles<R extends RoleFacts>(
  user: UserMembership,
  roles: readonly R[],
  groups: readonly GroupFacts[],
): R[] {
  const ids = new Set([
    ...user.roleIds,
    ...userGroups(user, groups).flatMap((group) => group.roleIds),
  ]);
  return roles.filter((role) => ids.has(role.id)).sort(byName);
}

/** Whether a role enforces 2FA on a user, why, and how long they may still sign in without. */
export interface Enforcement {
  required: boolean;
  reasons: Array<{ role: string; group: string | null }>;
  /** The shortest grace period of the enforcing roles, in days (0: none; also when not required). */
  graceDays: number;
}

/**
 * Whether some role forces this user to use 2FA, with each enforcing role and where it comes from
 * (group null = assigned directly), so the user and admins can see why enrollment is mandatory.
 * Several enforcing roles grant the strictest (shortest) of their grace periods.
 */
export function twoFactorEnforcement(
  user: UserMembership,
  roles: readonly RoleFacts[],
  groups: readonly GroupFacts[],
): Enforcement {
  const memberOf = userGroups(user, groups);
  const enforcing = effectiveRoles(user, roles, groups).filter((role) => role.enforce2fa);
  const graceDays = enforcing.length
    ? Math.min(...enforcing.map((role) => Math.max(0, role.enforce2faGraceDays ?? 0)))
    : 0;
  const reasons = enforcing.flatMap((role) => [
    ...(user.roleIds.includes(role.id) ? [{ role: role.name, group: null }] : []),
    ...memberOf
      .filter((group) => group.roleIds.includes(role.id))
      .map((group) => ({ role: role.name, group: group.name })),
  ]);
  return { required: reasons.length > 0, reasons, graceDays };
}

/**
 * The moment a user who owes 2FA must have set it up: `graceDays` after they first owed it
 * (fixed then, so signing in again never moves it); null when there is no grace period.
 */
export function twoFactorDeadline(owedSince: Date | null, graceDays: number): Date | null {
  if (!owedSince || graceDays <= 0) return null;
  return new Date(owedSince.getTime() + graceDays * 86_400_000);
}

/** Whether the user may use the admin area, through any direct or group role. */
export function isAdmin(
  user: UserMembership,
  roles: readonly RoleFacts[],
  groups: readonly GroupFacts[],
): boolean {
  return effectiveRoles(user, roles, groups).some((role) => role.admin);
}
