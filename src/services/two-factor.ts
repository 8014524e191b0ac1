import type { SecurityNotice } from '../domain/security-notices.ts';
import type { CodeCheck } from '../factors/code-check.ts';
import type { RecoveryCodeFactor } from '../factors/recovery-code/recovery-code-factor.ts';
import type { EnrollmentScreen, TotpFactor } from '../factors/totp/totp-factor.ts';
import type { Store } from '../store/index.ts';
import type { User } from '../store/repos/users.repo.ts';
import type { AuditTrail } from './audit.ts';
import type { RequestOrigin } from './request-origin.ts';

/** Tells the user about a change to their account's security (src/services/notifications). */
export type Notify = (user: User, notice: SecurityNotice, origin: RequestOrigin) => Promise<void>;

/** A proven second factor: which one, and for a recovery code how many are left. */
type Proof = { ok: true; used: 'otp' } | { ok: true; used: 'recovery_code'; remaining: number };

/** What "Turn On" and "Generate new recovery codes" answer: the new codes, to be shown once. */
export type WithRecoveryCodes =
  { ok: true; recoveryCodes: string[] } | Exclude<CodeCheck, { ok: true }>;

const AUTHENTICATOR_CODE = /^\d{6}$/;

/**
 * A user's own second factors: turning the authenticator on and off, replacing it ("New phone?"),
 * and their recovery codes (Profile, or the mandatory set-up at sign-in). Each change is audited
 * and the user is told by email; refused codes are the factors' business, except the attempt
 * that reaches the hard stop, which the user also hears about.
 */
export function twoFactorService(deps: {
  store: Store;
  totp: TotpFactor;
  recovery: RecoveryCodeFactor;
  audit: AuditTrail;
  notify: Notify;
}) {
  const { store, totp, recovery, audit, notify } = deps;
  const actorOf = (user: User, origin: RequestOrigin) => ({
    id: user.id,
    email: user.email,
    ip: origin.ip,
  });
  const targetOf = (user: User) => ({ type: 'user' as const, id: user.id, label: user.email });

  /** Sends the lock notice when this refused code was the one that reached the hard stop. */
  async function refused<C extends Exclude<CodeCheck, { ok: true }>>(
    user: User,
    check: C,
    origin: RequestOrigin,
  ): Promise<C> {
    if (check.justLocked) await notify(user, { kind: 'otp.locked' }, origin);
    return check;
  }

  /** Audits and announces a spent recovery code. */
  async function recoveryCodeUsed(
    user: User,
    remaining: number,
    origin: RequestOrigin,
    during: 'sign-in' | 'profile',
  ): Promise<void> {
    await audit.record(actorOf(user, origin), 'recovery_code.used', targetOf(user), 'success', {
      remaining,
      during,
    });
    await notify(user, { kind: 'recovery_code.used', remaining }, origin);
  }

  /** A new set of recovery codes for `user`, audited. */
  async function newRecoveryCodes(user: User, origin: RequestOrigin): Promise<string[]> {
    const codes = await recovery.generate(user.id);
    await audit.record(
      actorOf(user, origin),
      'recovery_codes.generated',
      targetOf(user),
      'success',
      {
        count: codes.length,
      },
    );
    return codes;
  }

  return {
    recoveryCodeUsed,

    /**
     * Checks a current authenticator code or, failing the 6-digit shape, a recovery code (which
     * is then spent): the proof Profile asks for before a sensitive change.
     */
    async prove(
      user: User,
      code: string,
      origin: RequestOrigin,
    ): Promise<Proof | Exclude<CodeCheck, { ok: true }>> {
      const typed = code.replace(/\s+/g, '');
      if (AUTHENTICATOR_CODE.test(typed)) {
        const check = await totp.verify(user, typed);
        return check.ok ? { ok: true, used: 'otp' } : refused(user, check, origin);
      }
      const check = await recovery.verify(user, code);
      if (!check.ok) return refused(user, check, origin);
      await recoveryCodeUsed(user, check.remaining, origin, 'profile');
      return { ok: true, used: 'recovery_code', remaining: check.remaining };
    },

    /**
     * Confirms the set-up pending in `channel` with a code; on success 2FA is on, a first set of
     * recovery codes is made (shown once by the caller), the grace period's start is forgotten,
     * the event `totp.enabled` is recorded (`during: 'sign-in'` for the mandatory set-up) and
     * the user is told.
     */
    async enable(
      user: User,
      channel: string,
      code: string,
      origin: RequestOrigin,
      during: 'sign-in' | 'profile',
    ): Promise<WithRecoveryCodes> {
      const check = await totp.confirm(user, channel, code);
      if (!check.ok) return refused(user, check, origin);
      await store.users.clearTwoFactorOwed(user.id);
      const details = during === 'sign-in' ? { during } : null;
      await audit.record(actorOf(user, origin), 'totp.enabled', targetOf(user), 'success', details);
      await notify(user, { kind: 'totp.enabled' }, origin);
      return { ok: true, recoveryCodes: await newRecoveryCodes(user, origin) };
    },

    /**
     * Turns the user's own 2FA off after a current code (a password alone is never enough),
     * with its recovery codes; the caller has checked that no role or admin status keeps it on.
     */
    async disable(user: User, code: string, origin: RequestOrigin): Promise<CodeCheck> {
      const check = await totp.verify(user, code);
      if (!check.ok) return refused(user, check, origin);
      await totp.remove(user.id);
      await audit.record(actorOf(user, origin), 'totp.disabled', targetOf(user), 'success', {
        by: 'self',
      });
      await notify(user, { kind: 'totp.disabled', by: 'self' }, origin);
      return check;
    },

    /**
     * "Generate new recovery codes": after an authenticator code or a recovery code, a new set
     * replaces the old one, whose codes stop working at once.
     */
    async regenerateRecoveryCodes(
      user: User,
      code: string,
      origin: RequestOrigin,
    ): Promise<WithRecoveryCodes> {
      const proof = await this.prove(user, code, origin);
      if (!proof.ok) return proof;
      const recoveryCodes = await newRecoveryCodes(user, origin);
      await notify(user, { kind: 'recovery_codes.regenerated' }, origin);
      return { ok: true, recoveryCodes };
    },

    /**
     * "New phone?", first step: after the current factor is proven, a new secret is pending on
     * `channel`; the old authenticator keeps working until the new one is confirmed.
     */
    async beginReplacement(
      user: User,
      code: string,
      channel: string,
      origin: RequestOrigin,
    ): Promise<{ ok: true; screen: EnrollmentScreen } | Exclude<CodeCheck, { ok: true }>> {
      const proof = await this.prove(user, code, origin);
      if (!proof.ok) return proof;
      return { ok: true, screen: await totp.begin(user, channel) };
    },

    /** The replacement pending on `channel`, or null when none was started (or it expired). */
    pendingReplacement(user: User, channel: string): Promise<EnrollmentScreen | null> {
      return totp.pending(user, channel);
    },

    /**
     * "New phone?", second step: a code from the new app makes it the authenticator; only now
     * does the old secret stop working, and browsers remembered for it are forgotten.
     */
    async confirmReplacement(
      user: User,
      channel: string,
      code: string,
      origin: RequestOrigin,
    ): Promise<CodeCheck> {
      const check = await totp.confirm(user, channel, code);
      if (!check.ok) return refused(user, check, origin);
      await audit.record(actorOf(user, origin), 'totp.replaced', targetOf(user));
      await notify(user, { kind: 'totp.replaced' }, origin);
      return check;
    },
  };
}

export type TwoFactorService = ReturnType<typeof twoFactorService>;
