import { AppError } from '../../domain/errors.ts';
import type { Store } from '../../store/index.ts';
import type { Group } from '../../store/repos/groups.repo.ts';
import type { Role } from '../../store/repos/roles.repo.ts';
import type { User } from '../../store/repos/users.repo.ts';
import type { Actor, AuditTrail } from '../audit.ts';
import { adminRemainsAfter, type AdminScenario } from './admin-guard.ts';
import { assertRolesExist } from './references.ts';

/** Where a role or group is used, so an admin can decide before deleting it. */
export interface Usage {
  users: Array<{ id: string; email: string }>;
  groups: Array<{ id: string; name: string }>;
}

/**
 * Roles and groups administration. Names are unique (409); deleting something in use needs an
 * explicit confirmation and reports where it was used; no change may leave the system without
 * an enabled admin. Changes apply at each user's next authorization request.
 */
export function adminRolesAndGroups(deps: { store: Store; audit: AuditTrail }) {
  const { store, audit } = deps;

  async function mustRole(id: string): Promise<Role> {
    const role = await store.roles.findById(id);
    if (!role) throw new AppError('not_found', 'No such role.');
    return role;
  }

  async function mustGroup(id: string): Promise<Group> {
    const group = await store.groups.findById(id);
    if (!group) throw new AppError('not_found', 'No such group.');
    return group;
  }

  async function refuseWithoutAdmin(scenario: AdminScenario, message: string): Promise<void> {
    if (!(await adminRemainsAfter(store, scenario))) throw new AppError('conflict', message);
  }

  return {
    /** Every role, by name (from the store's catalogue cache). */
    async listRoles(): Promise<Role[]> {
      return store.roles.list();
    },

    /** Every group, by name (from the store's catalogue cache). */
    async listGroups(): Promise<Group[]> {
      return store.groups.list();
    },

    /** The users in group `id`, for its edit page. */
    async groupMembers(id: string): Promise<User[]> {
      return store.users.listByGroup(id);
    },

    /** One role, or 404. */
    getRole: mustRole,

    /** One group, or 404. */
    getGroup: mustGroup,

    async roleUsage(id: string): Promise<Usage> {
      await mustRole(id);
      const [users, groups] = await Promise.all([
        store.users.listByRole(id),
        store.groups.listByRole(id),
      ]);
      return {
        users: users.map((u) => ({ id: u.id, email: u.email })),
        groups: groups.map((g) => ({ id: g.id, name: g.name })),
      };
    },

    async groupUsage(id: string): Promise<Usage> {
      await mustGroup(id);
      const users = await store.users.listByGroup(id);
      return { users: users.map((u) => ({ id: u.id, email: u.email })), groups: [] };
    },

    async createRole(
      actor: Actor,
      input: { name: string; enforce2fa: boolean; enforce2faGraceDays?: number; admin: boolean },
    ): Promise<Role> {
      const role = await store.roles.create(input);
      await audit.record(
        actor,
        'role.create',
        { type: 'role', id: role.id, label: role.name },
        'success',
        {
          enforce2fa: role.enforce2fa,
          enforce2faGraceDays: role.enforce2faGraceDays,
          admin: role.admin,
        },
      );
      return role;
    },

    async updateRole(
      actor: Actor,
      id: string,
      input: { name?: string; enforce2fa?: boolean; enforce2faGraceDays?: number; admin?: boolean },
    ): Promise<Role> {
      const before = await mustRole(id);
      if (before.admin && input.admin === false) {
        await refuseWithoutAdmin(
          { role: { id, admin: false } },
          'This change would leave no administrator.',
        );
      }
      const role = await store.roles.update(id, input);
      if (!role) throw new AppError('not_found', 'No such role.');
      await audit.record(actor, 'role.update', { type: 'role', id, label: role.name }, 'success', {
        ...input,
      });
      return role;
    },

    async deleteRole(actor: Actor, id: string, confirmed: boolean): Promise<void> {
      const role = await mustRole(id);
      const usage = await this.roleUsage(id);
      if ((usage.users.length || usage.groups.length) && !confirmed) {
        throw new AppError(
          'in_use',
          `Role "${role.name}" is used by ${usage.users.length} user(s) and ${usage.groups.length} group(s). Confirm to delete it anyway.`,
          { ...usage },
        );
      }
      if (role.admin) {
        await refuseWithoutAdmin(
          { role: { id, deleted: true } },
          'Deleting this role would leave no administrator.',
        );
      }
      await store.users.removeRoleEverywhere(id);
      await store.groups.removeRoleEverywhere(id);
      await store.roles.delete(id);
      await audit.record(actor, 'role.delete', { type: 'role', id, label: role.name });
    },

    async createGroup(actor: Actor, input: { name: string; roleIds: string[] }): Promise<Group> {
      await assertRolesExist(store, input.roleIds);
      const group = await store.groups.create(input);
      await audit.record(actor, 'group.create', { type: 'group', id: group.id, label: group.name });
      return group;
    },

    async updateGroup(
      actor: Actor,
      id: string,
      input: { name?: string; roleIds?: string[] },
    ): Promise<Group> {
      await mustGroup(id);
      if (input.roleIds) {
        await assertRolesExist(store, input.roleIds);
        await refuseWithoutAdmin(
          { group: { id, roleIds: input.roleIds } },
          'This change would leave no administrator.',
        );
      }
      const group = await store.groups.update(id, input);
      if (!group) throw new AppError('not_found', 'No such group.');
      await audit.record(
        actor,
        'group.update',
        { type: 'group', id, label: group.name },
        'success',
        { ...input },
      );
      return group;
    },

    async deleteGroup(actor: Actor, id: string, confirmed: boolean): Promise<void> {
      const group = await mustGroup(id);
      const usage = await this.groupUsage(id);
      if (usage.users.length && !confirmed) {
        throw new AppError(
          'in_use',
          `Group "${group.name}" has ${usage.users.length} member(s). Confirm to delete it anyway.`,
          { ...usage },
        );
      }
      await refuseWithoutAdmin(
        { group: { id, deleted: true } },
        'Deleting this group would leave no administrator.',
      );
      await store.users.removeGroupEverywhere(id);
      await store.groups.delete(id);
      await audit.record(actor, 'group.delete', { type: 'group', id, label: group.name });
    },
  };
}

export type AdminRolesAndGroups = ReturnType<typeof adminRolesAndGroups>;
