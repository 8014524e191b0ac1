import { AppError } from '../domain/errors.ts';
import type { Store } from '../store/index.ts';
import type { ClientMetadata } from '../store/repos/clients.repo.ts';
import type { Group } from '../store/repos/groups.repo.ts';
import type { Role } from '../store/repos/roles.repo.ts';
import type { User } from '../store/repos/users.repo.ts';
import type { Actor, AuditTrail } from './audit.ts';

/** Looks each name up, in order; an unknown one is a not_found that says how to create it. */
async function idsByName(
  kind: 'role' | 'group',
  names: string[],
  find: (name: string) => Promise<{ id: string } | null>,
): Promise<string[]> {
  const ids: string[] = [];
  for (const name of names) {
    const found = await find(name);
    if (!found) {
      throw new AppError(
        'not_found',
        `Unknown ${kind} "${name}". Create it with ${kind}:create --name "${name}"`,
      );
    }
    ids.push(found.id);
  }
  return ids;
}

/**
 * What the operator's command line does besides the admin services: look things up by name,
 * create roles and groups only when absent, give roles and groups to users, and save clients.
 * Every change is audited here.
 */
export function operatorService(deps: { store: Store; audit: AuditTrail }) {
  const { store, audit } = deps;
  return {
    /** The ids of roles named `names`; an unknown name is a not_found naming the fix. */
    roleIdsByName(names: string[]): Promise<string[]> {
      return idsByName('role', names, (name) => store.roles.findByName(name));
    },

    /** The ids of groups named `names`; an unknown name is a not_found naming the fix. */
    groupIdsByName(names: string[]): Promise<string[]> {
      return idsByName('group', names, (name) => store.groups.findByName(name));
    },

    /** The user with this email, or a not_found. */
    async userByEmail(email: string): Promise<User> {
      const user = await store.users.findByEmail(email);
      if (!user) throw new AppError('not_found', `No user with email ${email}`);
      return user;
    },

    /** Creates the role unless one has this name; `created` says which happened. */
    async ensureRole(
      actor: Actor,
      input: { name: string; enforce2fa: boolean; enforce2faGraceDays?: number; admin: boolean },
    ): Promise<{ role: Role; created: boolean }> {
      const existing = await store.roles.findByName(input.name);
      if (existing) return { role: existing, created: false };
      const role = await store.roles.create(input);
      await audit.record(actor, 'role.create', { type: 'role', id: role.id, label: role.name });
      return { role, created: true };
    },

    /** Creates the group unless one has this name; `created` says which happened. */
    async ensureGroup(
      actor: Actor,
      input: { name: string; roleIds: string[] },
    ): Promise<{ group: Group; created: boolean }> {
      const existing = await store.groups.findByName(input.name);
      if (existing) return { group: existing, created: false };
      const group = await store.groups.create(input);
      await audit.record(actor, 'group.create', { type: 'group', id: group.id, label: group.name });
      return { group, created: true };
    },

    /** Gives `user` the role `roleId` (named `roleName` in the audit trail). */
    async addRole(actor: Actor, user: User, roleId: string, roleName: string): Promise<void> {
      await store.users.addRole(user.id, roleId);
      await audit.record(
        actor,
        'user.add_role',
        { type: 'user', id: user.id, label: user.email },
        'success',
        { role: roleName },
      );
    },

    /** Puts `user` in the group `groupId` (named `groupName` in the audit trail). */
    async addGroup(actor: Actor, user: User, groupId: string, groupName: string): Promise<void> {
      await store.users.addGroup(user.id, groupId);
      await audit.record(
        actor,
        'user.add_group',
        { type: 'user', id: user.id, label: user.email },
        'success',
        { group: groupName },
      );
    },

    /** Creates or replaces a relying party's registration. */
    async saveClient(actor: Actor, metadata: ClientMetadata): Promise<void> {
      await store.clients.upsert(metadata);
      const id = metadata.client_id;
      await audit.record(actor, 'client.upsert', { type: 'client', id, label: id });
    },

    /** Every registered client. */
    async clients(): Promise<ClientMetadata[]> {
      return store.clients.list();
    },
  };
}

export type OperatorService = ReturnType<typeof operatorService>;
