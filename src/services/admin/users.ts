import { AppError } from '../../domain/errors.ts';
import { checkPasswordStrength } from '../../domain/password-policy.ts';
import type { Store } from '../../store/index.ts';
import type { User } from '../../store/repos/users.repo.ts';
import { loadAccessProfile, type AccessProfile } from '../access-profile.ts';
import { endAllSessions } from '../account-security.ts';
import type { Actor, AuditTrail } from '../audit.ts';
import type { NotificationService } from '../notifications/index.ts';
import { adminRemainsAfter } from './admin-guard.ts';
import { assertGroupsExist, assertRolesExist } from './references.ts';
import { twoFactorDeadline } from '../../domain/mfa-policy.ts';
import type { PasswordHasher } from '../../factors/password/hasher.ts';
import type { OtpLock, TotpFactor, TotpStatus } from '../../factors/totp/totp-factor.ts';

/** A user as admins see it: never the password hash or any TOTP secret. */
export interface AdminUserView {
  id: string;
  email: string;
  name: string;
  disabled: boolean;
  roleIds: string[];
  groupIds: string[];
  twoFactorEnabled: boolean;
  /**
   * Second-factor sign-in slowed down or stopped by wrong codes (also while setting up, with 2FA
   * off); null when not. Only an administrator's unlock clears a hard stop.
   */
  twoFactorLock: {
    hardStop: boolean;
    lockedUntil: string | null;
    failures: number;
    lastFailureAt: string | null;
  } | null;
  twoFactorRequired: boolean;
  twoFactorRequiredBy: Array<{ role: string; group: string | null }>;
  /** While a role's grace period runs: when the user must have 2FA (ISO 8601), else null. */
  twoFactorDeadline: string | null;
  /** Unused recovery codes, or null when the user has none. */
  recoveryCodesLeft: number | null;
  isAdmin: boolean;
  createdAt: string;
  updatedAt: string;
}

export interface UserCreateInput {
  email: string;
  name: string;
  password: string;
  roleIds: string[];
  groupIds: string[];
}

export interface UserUpdateInput {
  email?: string;
  name?: string;
  roleIds?: string[];
  groupIds?: string[];
  disabled?: boolean;
  password?: string;
  /** Only `false` is meaningful: admins can turn 2FA off, never on (they lack the secret). */
  twoFactorEnabled?: boolean;
}

/** Admin-facing projection of a user. */
export function toAdminView(
  user: User,
  profile: AccessProfile,
  totp: TotpStatus | null,
  lock: OtpLock,
  recoveryCodesLeft: number | null,
): AdminUserView {
  const deadline =
    totp === null
      ? twoFactorDeadline(user.twoFactorOwedSince, profile.enforcement.graceDays)
      : null;
  const locked = lock.hardStop || lock.lockedUntil !== null;
  return {
    id: user.id,
    email: user.email,
    name: user.name,
    disabled: user.disabled,
    roleIds: user.roleIds,
    groupIds: user.groupIds,
    twoFactorEnabled: totp !== null,
    twoFactorLock: locked
      ? {
          hardStop: lock.hardStop,
          lockedUntil: lock.lockedUntil?.toISOString() ?? null,
          failures: lock.failures,
          lastFailureAt: lock.lastFailureAt?.toISOString() ?? null,
        }
      : null,
    twoFactorRequired: profile.enforcement.required,
    twoFactorRequiredBy: profile.enforcement.reasons,
    twoFactorDeadline: profile.enforcement.required ? (deadline?.toISOString() ?? null) : null,
    recoveryCodesLeft: totp === null ? null : recoveryCodesLeft,
    isAdmin: profile.isAdmin,
    createdAt: user.createdAt.toISOString(),
    updatedAt: user.updatedAt.toISOString(),
  };
}

async function checkIds(
  store: Store,
  roleIds: string[] | undefined,
  groupIds: string[] | undefined,
): Promise<void> {
  if (roleIds) await assertRolesExist(store, roleIds);
  if (groupIds) await assertGroupsExist(store, groupIds);
}

/** A refused password, naming its field so a form can show the message beside it. */
function passwordRefused(message: string): AppError {
  return new AppError('validation_failed', message, { field: 'password' });
}

/**
 * User administration with the product's guard rails: admins can turn a user's 2FA off but never
 * on, a new password or disabling ends the user's sessions and remembered browsers, and the last
 * admin cannot remove their own admin access or disable themselves. The user is told by email
 * when an administrator sets their password or turns their 2FA off.
 */
export function adminUsers(deps: {
  store: Store;
  passwords: PasswordHasher;
  totp: TotpFactor;
  audit: AuditTrail;
  notifications: NotificationService;
}) {
  const { store, passwords, totp, audit, notifications } = deps;

  async function view(user: User): Promise<AdminUserView> {
    const codes = await store.credentials.findRecoveryCodes(user.id);
    return toAdminView(
      user,
      await loadAccessProfile(store, user),
      await totp.status(user.id),
      await totp.lockOf(user.id),
      codes ? codes.hashes.length : null,
    );
  }

  async function mustFind(id: string): Promise<User> {
    const user = await store.users.findById(id);
    if (!user) throw new AppError('not_found', 'No such user.');
    return user;
  }

  return {
    async list(query: { search?: string; page: number; pageSize: number }) {
      const { items, total } = await store.users.list(query);
      return {
        items: await Promise.all(items.map(view)),
        total,
        page: query.page,
        pageSize: query.pageSize,
      };
    },

    async get(id: string): Promise<AdminUserView> {
      return view(await mustFind(id));
    },

    async create(actor: Actor, input: UserCreateInput): Promise<AdminUserView> {
      const strength = checkPasswordStrength(
        input.password,
        { email: input.email, name: input.name },
        'admin',
      );
      if (!strength.ok) throw passwordRefused(strength.message);
      await checkIds(store, input.roleIds, input.groupIds);
      const user = await store.users.create({
        ...input,
        passwordHash: await passwords.hash(input.password),
      });
      await audit.record(actor, 'user.create', { type: 'user', id: user.id, label: user.email });
      return view(user);
    },

    async update(actor: Actor, id: string, input: UserUpdateInput): Promise<AdminUserView> {
      const before = await mustFind(id);
      const hadTwoFactor = (await totp.status(id)) !== null;
      if (input.twoFactorEnabled === true && !hadTwoFactor) {
        throw new AppError(
          'forbidden',
          'An administrator cannot turn on two-factor authentication for someone else: only the user can, from their Profile page.',
        );
      }
      await checkIds(store, input.roleIds, input.groupIds);
      if (actor.id === id) await guardSelf(before, input);
      if (input.password !== undefined) {
        const strength = checkPasswordStrength(
          input.password,
          { email: input.email ?? before.email, name: input.name ?? before.name },
          'admin',
        );
        if (!strength.ok) throw passwordRefused(strength.message);
      }
      const target = { type: 'user' as const, id, label: before.email };
      await store.users.update(id, {
        email: input.email,
        name: input.name,
        roleIds: input.roleIds,
        groupIds: input.groupIds,
        disabled: input.disabled,
      });
      const changed = Object.keys(input).filter(
        (k) => k !== 'password' && k !== 'twoFactorEnabled',
      );
      if (changed.length)
        await audit.record(actor, 'user.update', target, 'success', { fields: changed });
      if (input.password !== undefined) {
        await store.users.setPassword(id, await passwords.hash(input.password));
        await endAllSessions(store, id);
        await audit.record(actor, 'user.set_password', target);
      }
      if (input.disabled === true && !before.disabled) {
        await endAllSessions(store, id);
        await audit.record(actor, 'user.disable', target);
      }
      if (input.twoFactorEnabled === false && hadTwoFactor) {
        await totp.remove(id);
        await audit.record(actor, 'user.2fa_disable', target, 'success', { by: 'admin' });
      }
      const after = await mustFind(id);
      // The user hears about it by email, with the administrator's address (queued, never fails).
      const origin = { at: new Date(), ip: actor.ip ?? '', userAgent: undefined };
      if (input.password !== undefined)
        await notifications.notify(after, { kind: 'password.changed', by: 'admin' }, origin);
      if (input.twoFactorEnabled === false && hadTwoFactor)
        await notifications.notify(after, { kind: 'totp.disabled', by: 'admin' }, origin);
      return view(after);
    },

    /**
     * Clears a user's second-factor lock (the hard stop after repeated wrong codes, or a delay),
     * whether or not 2FA is on, so a guessing attacker can never lock anyone out for good.
     */
    async unlockTwoFactor(actor: Actor, id: string): Promise<AdminUserView> {
      const user = await mustFind(id);
      await totp.unlock(id);
      await audit.record(actor, 'user.2fa_unlock', { type: 'user', id, label: user.email });
      return view(user);
    },

    async disableTwoFactor(actor: Actor, id: string): Promise<AdminUserView> {
      return this.update(actor, id, { twoFactorEnabled: false });
    },

    async remove(actor: Actor, id: string): Promise<void> {
      const user = await mustFind(id);
      if (actor.id === id) throw new AppError('forbidden', 'You cannot delete your own account.');
      await endAllSessions(store, id);
      await store.users.delete(id);
      await audit.record(actor, 'user.delete', { type: 'user', id, label: user.email });
    },
  };

  /** The last admin may not lock themselves (and so everyone) out of administration. */
  async function guardSelf(before: User, input: UserUpdateInput): Promise<void> {
    const scenario = {
      user: {
        id: before.id,
        roleIds: input.roleIds,
        groupIds: input.groupIds,
        disabled: input.disabled,
      },
    };
    if (await adminRemainsAfter(store, scenario)) return;
    throw new AppError(
      'conflict',
      'You are the last administrator: you cannot remove your own admin access or disable yourself.',
    );
  }
}

export type AdminUsers = ReturnType<typeof adminUsers>;
