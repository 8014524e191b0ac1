import type { User } from '../store/repos/users.repo.ts';
import type { CodeCheck, TotpFactor } from '../factors/totp/totp-factor.ts';
import type { AuditTrail } from './audit.ts';

/**
 * A user turning their own authenticator on or off (Profile, or the mandatory set-up at
 * sign-in). Each change that happens is audited here; refused codes are the factor's business.
 */
export function twoFactorService(deps: { totp: TotpFactor; audit: AuditTrail }) {
  const { totp, audit } = deps;
  const actorOf = (user: User, ip: string) => ({ id: user.id, email: user.email, ip });
  const targetOf = (user: User) => ({ type: 'user' as const, id: user.id, label: user.email });
  return {
    /**
     * Confirms the set-up pending in `channel` with a code; on success 2FA is on and the event
     * `totp.enabled` is recorded (`during: 'sign-in'` for the mandatory set-up).
     */
    async enable(
      user: User,
      channel: string,
      code: string,
      ip: string,
      during: 'sign-in' | 'profile',
    ): Promise<CodeCheck> {
      const check = await totp.confirm(user, channel, code);
      if (check.ok) {
        const details = during === 'sign-in' ? { during } : null;
        await audit.record(actorOf(user, ip), 'totp.enabled', targetOf(user), 'success', details);
      }
      return check;
    },

    /**
     * Turns the user's own 2FA off after a current code (a password alone is never enough);
     * the caller has checked that no role or admin status keeps it on.
     */
    async disable(user: User, code: string, ip: string): Promise<CodeCheck> {
      const check = await totp.verify(user, code);
      if (!check.ok) return check;
      await totp.remove(user.id);
      await audit.record(actorOf(user, ip), 'totp.disabled', targetOf(user), 'success', {
        by: 'self',
      });
      return check;
    },
  };
}

export type TwoFactorService = ReturnType<typeof twoFactorService>;
