import { z } from 'zod';
import { AppError } from '../domain/errors.ts';
import {
  BACKCHANNEL_LOGOUT_URI_RULE,
  isBackchannelLogoutUri,
} from '../domain/backchannel-logout.ts';
import { checkPasswordStrength } from '../domain/password-policy.ts';
import type { Services } from '../services/index.ts';
import { serviceClientMetadata } from '../services/admin/service-clients.ts';
import { serviceClientOptions } from './service-client-options.ts';
import { keyCommands } from './key-commands.ts';

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

/**
 * `--backchannel-logout-uri` as client metadata (Back-Channel Logout 1.0 section 2.2), with
 * `backchannel_logout_session_required` so ID tokens and logout tokens carry `sid`.
 */
function backchannelLogout(options: Options) {
  const uri = options['backchannel-logout-uri'];
  if (uri === undefined) return {};
  if (typeof uri !== 'string' || !isBackchannelLogoutUri(uri)) {
    throw new AppError(
      'validation_failed',
      `--backchannel-logout-uri ${BACKCHANNEL_LOGOUT_URI_RULE}`,
    );
  }
  return { backchannel_logout_uri: uri, backchannel_logout_session_required: true };
}

const graceDays = z.coerce
  .number({ message: '--grace-days must be a whole number of days from 0 to 365' })
  .int('--grace-days must be a whole number of days from 0 to 365')
  .min(0, '--grace-days must be a whole number of days from 0 to 365')
  .max(365, '--grace-days must be a whole number of days from 0 to 365');
const emailSchema = z.email('--email must be a valid email address').max(320);

async function userByEmail(services: Services, options: Options) {
  return services.operator.userByEmail(emailSchema.parse(required(options, 'email')));
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
  'keys:reseal',
  'keys:rotate-signing',
] as const;

export type CliCommandName = (typeof COMMAND_NAMES)[number];

/** Operator commands. Each returns the lines to print; errors are AppErrors with clear text. */
export function cliCommands(
  services: Services,
): Record<CliCommandName, (options: Options) => Promise<string[]>> {
  const { operator } = services;
  return {
    ...keyCommands(services),
    async 'user:create'(options: Options): Promise<string[]> {
      const email = emailSchema.parse(required(options, 'email'));
      const password = typeof options.password === 'string' ? options.password : '';
      if (!password) throw new AppError('validation_failed', '--password is required');
      const name = typeof options.name === 'string' ? options.name.trim() : '';
      const strength = checkPasswordStrength(password, { email, name }, 'admin');
      if (!strength.ok)
        throw new AppError('validation_failed', `Weak password: ${strength.message}`);
      const roleIds = await operator.roleIdsByName(many(options.role));
      const groupIds = await operator.groupIdsByName(many(options.group));
      const user = await services.adminUsers.create(CLI_ACTOR, {
        email,
        name,
        password,
        roleIds,
        groupIds,
      });
      return [`Created user ${user.email} (${user.id})`];
    },

    async 'role:create'(options: Options): Promise<string[]> {
      const name = z.string().min(1).max(100).parse(required(options, 'name'));
      const { role, created } = await operator.ensureRole(CLI_ACTOR, {
        name,
        enforce2fa: options['enforce-2fa'] === true,
        enforce2faGraceDays: graceDays.parse(options['grace-days'] ?? '0'),
        admin: options.admin === true,
      });
      if (!created) return [`Role ${name} already exists (${role.id}); unchanged`];
      const grace = role.enforce2faGraceDays
        ? ` after ${role.enforce2faGraceDays} days of grace`
        : '';
      return [
        `Created role ${role.name} (${role.id})${role.enforce2fa ? `, enforces 2FA${grace}` : ''}${role.admin ? ', admin' : ''}`,
      ];
    },

    async 'group:create'(options: Options): Promise<string[]> {
      const name = z.string().min(1).max(100).parse(required(options, 'name'));
      const roleIds = await operator.roleIdsByName(many(options.role));
      const { group, created } = await operator.ensureGroup(CLI_ACTOR, { name, roleIds });
      if (!created) return [`Group ${name} already exists (${group.id}); unchanged`];
      return [`Created group ${group.name} (${group.id})`];
    },

    async 'user:add-role'(options: Options): Promise<string[]> {
      const user = await userByEmail(services, options);
      const [roleId] = await operator.roleIdsByName([required(options, 'role')]);
      await operator.addRole(CLI_ACTOR, user, roleId as string, String(options.role));
      return [`${user.email} has role ${String(options.role)}`];
    },

    async 'user:add-group'(options: Options): Promise<string[]> {
      const user = await userByEmail(services, options);
      const [groupId] = await operator.groupIdsByName([required(options, 'group')]);
      await operator.addGroup(CLI_ACTOR, user, groupId as string, String(options.group));
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
      const service = serviceClientOptions(options);
      if (service) {
        await operator.saveClient(
          CLI_ACTOR,
          serviceClientMetadata({
            client_id: id,
            client_name: typeof options.name === 'string' ? options.name : id,
            client_secret: secret,
            scopes: service.scopes,
          }),
        );
        return [
          `Service client ${id} saved (client_credentials, scope ${service.scopes.join(' ')})`,
        ];
      }
      const redirectUris = many(options['redirect-uri']).map((u) =>
        z.url(`--redirect-uri ${u} is not a URL`).parse(u),
      );
      if (!redirectUris.length)
        throw new AppError('validation_failed', '--redirect-uri is required');
      const postLogout = many(options['post-logout-redirect-uri']).map((u) => z.url().parse(u));
      const backchannel = backchannelLogout(options);
      await operator.saveClient(CLI_ACTOR, {
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
        ...backchannel,
        ...(options['admin-api'] === true
          ? { scope: 'openid profile email roles offline_access admin' }
          : {}),
      });
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
      return (await services.adminRolesAndGroups.listRoles()).map(
        (r) =>
          `${r.id}  ${r.name}${r.enforce2fa ? '  enforces 2FA' : ''}${r.admin ? '  admin' : ''}`,
      );
    },

    async 'group:list'(): Promise<string[]> {
      const roles = new Map(
        (await services.adminRolesAndGroups.listRoles()).map((r) => [r.id, r.name]),
      );
      return (await services.adminRolesAndGroups.listGroups()).map(
        (g) =>
          `${g.id}  ${g.name}  roles: ${g.roleIds.map((id) => roles.get(id) ?? id).join(', ') || '-'}`,
      );
    },

    async 'client:list'(): Promise<string[]> {
      return (await operator.clients()).map(
        (c) =>
          `${c.client_id}  ${c.redirect_uris.join(' ')}${c.first_party ? '  first-party' : ''}${c.require_mfa ? '  requires 2FA' : ''}${c.backchannel_logout_uri ? `  back-channel logout ${c.backchannel_logout_uri}` : ''}${c.grant_types?.includes('client_credentials') ? `  client credentials, scope ${c.scope ?? '-'}` : ''}`,
      );
    },
  };
}
