import type { Store } from '../store/index.ts';
import type { RememberedBrowser } from '../store/repos/remembered-browsers.repo.ts';
import type { User } from '../store/repos/users.repo.ts';
import type { PasswordHasher } from '../factors/password/hasher.ts';
import { loadAccessProfile, mustKeepTwoFactor, type AccessProfile } from './access-profile.ts';
import { setNewPassword } from './account-security.ts';
import type { AuditTrail } from './audit.ts';
import type { NotificationService } from './notifications/index.ts';
import type { RequestOrigin } from './request-origin.ts';

/**
 * A signed-in person's own account: who they are, what their roles make of them, their
 * remembered browsers and their password. Used by Profile, the console session and the admin
 * guards, so none of them reads the store itself.
 */
export function accountService(deps: {
  store: Store;
  passwords: PasswordHasher;
  audit: AuditTrail;
  notifications: NotificationService;
}) {
  const { store, passwords, audit, notifications } = deps;
  return {
    /** The user with this id, or null (deleted or never existed); disabled users included. */
    async findById(id: string): Promise<User | null> {
      return store.users.findById(id);
    },

    /** Effective roles, 2FA enforcement and admin status, read fresh. */
    async accessProfile(user: User): Promise<AccessProfile> {
      return loadAccessProfile(store, user);
    },

    /** Why this user may not turn 2FA off, as a sentence; null when they may. */
    async mustKeepTwoFactor(user: User): Promise<string | null> {
      return mustKeepTwoFactor(await loadAccessProfile(store, user));
    },

    /** The browsers this user asked to remember, for Profile. */
    async rememberedBrowsers(userId: string): Promise<RememberedBrowser[]> {
      return store.rememberedBrowsers.listForUser(userId);
    },

    /** Forgets one of the user's remembered browsers: it is asked for a code again. */
    async forgetBrowser(userId: string, browserId: string): Promise<void> {
      await store.rememberedBrowsers.revoke(userId, browserId);
    },

    /**
     * The user's own password change (the current password was re-checked by the caller's
     * attempt guard): checks strength, ends every session and remembered browser, audits, and
     * tells the user by email (queued: the mail server never delays or fails the change).
     */
    async changePassword(user: User, password: string, origin: RequestOrigin): Promise<void> {
      await setNewPassword(store, passwords, user, password);
      const actor = { id: user.id, email: user.email, ip: origin.ip };
      await audit.record(actor, 'user.password_change', {
        type: 'user',
        id: user.id,
        label: user.email,
      });
      await notifications.notify(
        user,
        { kind: 'password.changed', by: 'self' },
        { ...origin, at: new Date() },
      );
    },
  };
}

export type AccountService = ReturnType<typeof accountService>;
