import { randomUUID } from 'node:crypto';
import QRCode from 'qrcode';
import type { Config } from '../../config.ts';
import { checkThrottle, type ThrottleSettings } from '../../domain/attempt-throttle.ts';
import { openSecret, sealSecret, type KeyRing } from '../../domain/secret-box.ts';
import {
  buildOtpauthUri,
  formatSecretForDisplay,
  generateTotpSecret,
  verifyTotp,
} from '../../domain/totp.ts';
import type { Store } from '../../store/index.ts';
import type { User } from '../../store/repos/users.repo.ts';
import type { AttemptGuard } from '../attempt-guard.ts';
import { guardedCodeCheck, secondFactorCounter, type CodeCheck } from '../code-check.ts';

/** What the set-up screen shows: the secret as text and as a QR code of the otpauth URI. */
export interface EnrollmentScreen {
  secret: string;
  secretDisplay: string;
  otpauthUri: string;
  qrDataUrl: string;
  expiresAt: Date;
}

export type { CodeCheck } from '../code-check.ts';

/** Whether a user's second-factor sign-in is slowed down or stopped, and since when. */
export interface OtpLock {
  failures: number;
  /** Past the hard stop: only an administrator's unlock allows codes again. */
  hardStop: boolean;
  /** A delay in force until then, if any. */
  lockedUntil: Date | null;
  lastFailureAt: Date | null;
}

/** The user's authenticator as the rest of the application sees it (never the secret). */
export interface TotpStatus {
  enrollmentId: string;
  enabledAt: Date;
}

const MALFORMED = 'Enter the 6-digit code from your authenticator app.';
const CODE_PATTERN = /^\d{6}$/;

/**
 * The authenticator-app factor (RFC 6238 TOTP, `amr` `otp`, RFC 8176): the credential lives in
 * the `credentials` collection, a set-up in progress belongs to the channel that started it (a
 * sign-in interaction or a Profile page), and every code typed, at sign-in or while setting up,
 * goes through the attempt guard's per-account counter with a hard stop that only an
 * administrator's unlock clears.
 */
export function totpFactor(config: Config, store: Store, ring: KeyRing, guard: AttemptGuard) {
  const settings: ThrottleSettings = { ...config.otpThrottle };
  const counterOf = (userId: string) => secondFactorCounter(settings, userId);

  async function screenFor(user: User, secret: string, expiresAt: Date): Promise<EnrollmentScreen> {
    const otpauthUri = buildOtpauthUri({
      issuer: config.totp.issuer,
      accountName: user.email,
      secret,
    });
    return {
      secret,
      secretDisplay: formatSecretForDisplay(secret),
      otpauthUri,
      qrDataUrl: await QRCode.toDataURL(otpauthUri, {
        errorCorrectionLevel: 'M',
        margin: 2,
        width: 240,
      }),
      expiresAt,
    };
  }

  /**
   * Checks a typed code with the guard: the attempt is charged first, `accept` (which must be
   * atomic: accept a time step once, or take a set-up once) decides, and a wrong code keeps the
   * charge and may start a delay or the hard stop.
   */
  async function guardedCode(
    userId: string,
    code: string,
    secret: string,
    lastUsedStep: number | null,
    accept: (step: number) => Promise<boolean>,
  ): Promise<CodeCheck> {
    const typed = code.replace(/\s+/g, '');
    if (!CODE_PATTERN.test(typed)) return { ok: false, status: 400, message: MALFORMED };
    const result = await guardedCodeCheck(
      guard,
      counterOf(userId),
      async () => {
        const verdict = verifyTotp({
          secret,
          code: typed,
          nowMs: Date.now(),
          window: config.totp.window,
          lastUsedStep,
        });
        if (verdict.ok && (await accept(verdict.step))) return { accepted: true };
        return { refused: verdict.ok || verdict.reason === 'replayed' ? 'replayed' : 'wrong' };
      },
      {
        wrong: 'That code is not correct. Check your authenticator app and try again.',
        replayed: 'That code was already used. Wait for the next code in your app.',
      },
    );
    return result.ok ? { ok: true } : result;
  }

  return {
    amr: 'otp' as const,

    /** The user's authenticator, or null when 2FA is off. */
    async status(userId: string): Promise<TotpStatus | null> {
      const credential = await store.credentials.findTotp(userId);
      return credential
        ? { enrollmentId: credential.enrollmentId, enabledAt: credential.enabledAt }
        : null;
    },

    /**
     * Starts (or, on the same channel, resumes) setting up an authenticator: a fresh 160-bit
     * secret, sealed at rest, shown only on `channel`, pending until a correct code proves the
     * app works, so a misconfigured app cannot lock the user out.
     */
    async begin(user: User, channel: string): Promise<EnrollmentScreen> {
      const pending = await this.pending(user, channel);
      if (pending) return pending;
      const secret = generateTotpSecret();
      const expiresAt = new Date(Date.now() + config.totp.enrollmentMinutes * 60_000);
      await store.enrollments.save({
        channel,
        userId: user.id,
        sealedSecret: sealSecret(ring, secret, user.id),
        expiresAt,
      });
      return screenFor(user, secret, expiresAt);
    },

    /** The set-up pending on `channel`, without starting one; null when there is none. */
    async pending(user: User, channel: string): Promise<EnrollmentScreen | null> {
      const pending = await store.enrollments.find(channel, user.id);
      return pending
        ? screenFor(user, openSecret(ring, pending.sealedSecret, user.id), pending.expiresAt)
        : null;
    },

    /**
     * "Turn On": a correct code for the secret shown on `channel` makes it the user's
     * authenticator, replacing any previous one only now. Every other pending set-up of the user
     * is discarded, and browsers remembered for the previous authenticator are forgotten.
     */
    async confirm(user: User, channel: string, code: string): Promise<CodeCheck> {
      const pending = await store.enrollments.find(channel, user.id);
      if (!pending) {
        return {
          ok: false,
          status: 400,
          message: 'This set-up expired or was finished elsewhere. A new secret is shown: scan it.',
        };
      }
      const enrollmentId = randomUUID();
      const result = await guardedCode(
        user.id,
        code,
        openSecret(ring, pending.sealedSecret, user.id),
        null,
        async (step) => {
          if (!(await store.enrollments.take(channel, user.id, pending.sealedSecret))) return false;
          await store.credentials.saveTotp({
            userId: user.id,
            sealedSecret: pending.sealedSecret,
            enrollmentId,
            enabledAt: new Date(),
            lastUsedStep: step,
          });
          return true;
        },
      );
      if (!result.ok) return result;
      await store.enrollments.discardForUser(user.id);
      await store.rememberedBrowsers.revokeAllForUser(user.id);
      return result;
    },

    /** Verifies a code of the user's authenticator: throttled, each time step accepted once. */
    async verify(user: User, code: string): Promise<CodeCheck> {
      const credential = await store.credentials.findTotp(user.id);
      if (!credential) {
        return {
          ok: false,
          status: 400,
          message: 'Two-factor authentication is not on for this account.',
        };
      }
      return guardedCode(
        user.id,
        code,
        openSecret(ring, credential.sealedSecret, user.id),
        credential.lastUsedStep,
        (step) => store.credentials.acceptTotpStep(user.id, credential.enrollmentId, step),
      );
    },

    /**
     * Turns the factor off: the credential, any set-up in progress, remembered browsers, and the
     * recovery codes that back it up (without an authenticator they would be a second password).
     */
    async remove(userId: string): Promise<void> {
      await store.credentials.removeTotp(userId);
      await store.credentials.removeRecoveryCodes(userId);
      await store.enrollments.discardForUser(userId);
      await store.rememberedBrowsers.revokeAllForUser(userId);
      await guard.clear(counterOf(userId).key);
    },

    /** Whether codes are delayed or stopped for the user, whether or not 2FA is on. */
    async lockOf(userId: string): Promise<OtpLock> {
      const counter = await store.attempts.get(counterOf(userId).key);
      const gate = checkThrottle(counter, new Date(), settings);
      return {
        failures: counter.failures,
        hardStop: !gate.allowed && gate.hardStop,
        lockedUntil: !gate.allowed && !gate.hardStop ? gate.retryAt : null,
        lastFailureAt: counter.lastFailureAt,
      };
    },

    /** An administrator's unlock: the user may type codes again, from zero failures. */
    async unlock(userId: string): Promise<void> {
      await guard.clear(counterOf(userId).key);
    },
  };
}

export type TotpFactor = ReturnType<typeof totpFactor>;
