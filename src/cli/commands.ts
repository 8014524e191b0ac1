import { z } from 'zod';
import { AppError } from '../domain/errors.ts';
import { checkPasswordStrength } from '../domain/password-policy.ts';
import type { Services } from '../services/index.ts';
import type { Store } from '../store/index.ts';

/** Parsed command-line options: strings, repeated strings, and flags. */
export type Options = Record<string, string | string[] | boolean | undefined>;

const CLI_ACTOR = { id: null, email: 'cli', ip: null };

const many = (value: unknown): string[] =>
  Array.isArray(value) ? value : typeof value === 'string' ? [value] : [];

function required(options: Options, name: string): string {
  const value = options[name];
  if (typeof value !== 'string' || !value.trim())
    throw new AppError('validation_failed', `--${name} is required`);
  return value.trim();
}

const emailSchema = z.email('--email must be a valid email address').max(320);

async function roleIdsByName(store: Store, names: string[]): Promise<string[]> {
  const ids: string[] = [];
  for (const name of names) {
    const role = await store.roles.findByName(name);
    if (!role)
      throw new AppError(
        'not_found',
        `Unknown role "${name}". Create it with role:create --name "${name}"`,
      );
    ids.push(role.id);
  }
  return ids;
}

async function groupIdsByName(store: Store, names: string[]): Promise<string[]> {
  const ids: string[] = [];
  for (const name of names) {
    const group = await store.groups.findByName(name);
    if (!group)
      throw new AppError(
        'not_found',
        `Unknown group "${name}". Create it with group:create --name "${name}"`,
      );
    ids.push(group.id);
  }
  return ids;
}

async function userByEmail(store: Store, options: Options) {
  const email = emailSchema.parse(required(options, 'email'));
  const user = await store.users.findByEmail(email);
  if (!user) throw new AppError('not_found', `No user with email ${email}`);
  return user;
}

/** Every command the CLI knows, checked before any database is opened. */
export const COMMAND_NAMES = [
  'user:create',
  'user:add-role',
  'user:add-group',
  'user:list',
  'role:create',
  'role:list',
  'group:create',
  'group:list',
  'client:create',
  'client:list',
] as const;

export type CliCommandName = (typeof COMMAND_NAMES)[number];

/** Operator commands. Each returns the lines to print; errors are AppErrors with clear text. */
export function cliCommands(
  store: Store,
  services: Services,
): Record<CliCommandName, (options: Options) => Promise<string[]>> {
  return {
    async 'user:create'(options: Options): Promise<string[]> {
      const email = emailSchema.parse(required(options, 'email'));
      const password = typeof options.password === 'string' ? options.password : '';
      if (!password) throw new AppError('validation_failed', '--password is required');
      const name = typeof options.name === 'string' ? options.name.trim() : '';
      const strength = checkPasswordStrength(password, { email, name });
      if (!strength.ok)
        throw new AppError('validation_failed', `Weak password: ${strength.message}`);
      const roleIds = await roleIdsByName(store, many(options.role));
      const groupIds = await groupIdsByName(store, many(options.group));
      const user = await store.users.create({
        email,
        name,
        passwordHash: await services.passwords.hash(password),
        roleIds,
        groupIds,
      });
      await services.audit.record(CLI_ACTOR, 'user.create', {
        type: 'user',
        id: user.id,
        label: user.email,
      });
      return [`Created user ${user.email} (${user.id})`];
    },

    async 'role:create'(options: Options): Promise<string[]> {
      const name = z.string().min(1).max(100).parse(required(options, 'name'));
      const existing = await store.roles.findByName(name);
      if (existing) return [`Role ${name} already exists (${existing.id}); unchanged`];
      const role = await store.roles.create({
        name,
        enforce2fa: options['enforce-2fa'] === true,
        admin: options.admin === true,
      });
      await services.audit.record(CLI_ACTOR, 'role.create', {
        type: 'role',
        id: role.id,
        label: role.name,
      });
      return [
        `Created role ${role.name} (${role.id})${role.enforce2fa ? ', enforces 2FA' : ''}${role.admin ? ', admin' : ''}`,
      ];
    },

    async 'group:create'(options: Options): Promise<string[]> {
      const name = z.string().min(1).max(100).parse(required(options, 'name'));
      const roleIds = await roleIdsByName(store, many(options.role));
      const existing = await store.groups.findByName(name);
      if (existing) return [`Group ${name} already exists (${existing.id}); unchanged`];
      const group = await store.groups.create({ name, roleIds });
      await services.audit.record(CLI_ACTOR, 'group.create', {
        type: 'group',
        id: group.id,
        label: group.name,
      });
      return [`Created group ${group.name} (${group.id})`];
    },

    async 'user:add-role'(options: Options): Promise<string[]> {
      const user = await userByEmail(store, options);
      const [roleId] = await roleIdsByName(store, [required(options, 'role')]);
      await store.users.addRole(user.id, roleId as string);
      await services.audit.record(
        CLI_ACTOR,
        'user.add_role',
        { type: 'user', id: user.id, label: user.email },
        'success',
        { role: options.role },
      );
      return [`${user.email} has role ${String(options.role)}`];
    },

    async 'user:add-group'(options: Options): Promise<string[]> {
      const user = await userByEmail(store, options);
      const [groupId] = await groupIdsByName(store, [required(options, 'group')]);
      await store.users.addGroup(user.id, groupId as string);
      await services.audit.record(
        CLI_ACTOR,
        'user.add_group',
        { type: 'user', id: user.id, label: user.email },
        'success',
        { group: options.group },
      );
      return [`${user.email} is in group ${String(options.group)}`];
    },

    async 'client:create'(options: Options): Promise<string[]> {
      const id = z
        .string()
        .regex(/^[A-Za-z0-9_-]{2,64}$/, '--id: 2-64 letters, digits, _ or - (no dots)')
        .parse(required(options, 'id'));
      const secret = z
        .string()
        .min(16, '--secret needs at least 16 characters')
        .max(256)
        .parse(required(options, 'secret'));
      const redirectUris = many(options['redirect-uri']).map((u) =>
        z.url(`--redirect-uri ${u} is not a URL`).parse(u),
      );
      if (!redirectUris.length)
        throw new AppError('validation_failed', '--redirect-uri is required');
      const postLogout = many(options['post-logout-redirect-uri']).map((u) => z.url().parse(u));
      await store.clients.upsert({
        client_id: id,
        client_name: typeof options.name === 'string' ? options.name : id,
        client_secret: secret,
        redirect_uris: redirectUris,
        post_logout_redirect_uris: postLogout,
        grant_types: ['authorization_code', 'refresh_token'],
        response_types: ['code'],
        token_endpoint_auth_method: 'client_secret_basic',
        first_party: options['first-party'] === true,
        require_mfa: options['require-mfa'] === true,
        ...(options['admin-api'] === true
          ? { scope: 'openid profile email roles offline_access admin' }
          : {}),
      });
      await services.audit.record(CLI_ACTOR, 'client.upsert', { type: 'client', id, label: id });
      return [`Client ${id} saved`];
    },

    async 'user:list'(): Promise<string[]> {
      const { items } = await services.adminUsers.list({ page: 1, pageSize: 1000 });
      return items.map(
        (u) =>
          `${u.id}  ${u.email}  ${u.disabled ? 'disabled' : 'active'}  2FA ${u.twoFactorEnabled ? 'on' : 'off'}`,
      );
    },

    async 'role:list'(): Promise<string[]> {
      return (await store.roles.list()).map(
        (r) =>
          `${r.id}  ${r.name}${r.enforce2fa ? '  enforces 2FA' : ''}${r.admin ? '  admin' : ''}`,
      );
    },

    async 'group:list'(): Promise<string[]> {
      const roles = new Map((await store.roles.list()).map((r) => [r.id, r.name]));
      return (await store.groups.list()).map(
        (g) =>
          `${g.id}  ${g.name}  roles: ${g.roleIds.map((id) => roles.get(id) ?? id).join(', ') || '-'}`,
      );
    },

    async 'client:list'(): Promise<string[]> {
      return (await store.clients.list()).map(
        (c) =>
          `${c.client_id}  ${c.redirect_uris.join(' ')}${c.first_party ? '  first-party' : ''}${c.require_mfa ? '  requires 2FA' : ''}`,
      );
    },
  };
}
