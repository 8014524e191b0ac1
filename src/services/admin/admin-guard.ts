import { isAdmin } from '../../domain/mfa-policy.ts';
import type { Store } from '../../store/index.ts';

/** A change to try out before writing it: one user's, one role's or one group's. */
export interface AdminScenario {
  user?: { id: string; roleIds?: string[]; groupIds?: string[]; disabled?: boolean };
  role?: { id: string; admin?: boolean; deleted?: boolean };
  group?: { id: string; roleIds?: string[]; deleted?: boolean };
}

/**
 * Whether at least one enabled administrator would remain after `scenario`. Guard rails ask
 * before they write, so a refused change never has to be undone and nobody can lock every
 * administrator out. Reads every membership once and decides with the pure policy.
 */
export async function adminRemainsAfter(store: Store, scenario: AdminScenario): Promise<boolean> {
  const [members, roles, groups] = await Promise.all([
    store.users.listMemberships(),
    store.roles.list(),
    store.groups.list(),
  ]);
  const { user, role, group } = scenario;
  const rolesAfter = roles
    .filter((r) => !(role?.deleted && r.id === role.id))
    .map((r) => (r.id === role?.id && role.admin !== undefined ? { ...r, admin: role.admin } : r));
  const groupsAfter = groups
    .filter((g) => !(group?.deleted && g.id === group.id))
    .map((g) => (g.id === group?.id && group.roleIds ? { ...g, roleIds: group.roleIds } : g));
  return members.some((member) => {
    const m = member.id === user?.id ? { ...member, ...definedOnly(user) } : member;
    return !m.disabled && isAdmin(m, rolesAfter, groupsAfter);
  });
}

function definedOnly<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
