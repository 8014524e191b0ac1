import { randomUUID } from 'node:crypto';
import QRCode from 'qrcode';
import type { Config } from '../config.ts';
import {
  checkThrottle,
  describeRetry,
  recordFailure,
  type ThrottleDenied,
  type ThrottleSettings,
} from '../domain/attempt-throttle.ts';
import { openSecret, sealSecret, type KeyRing } from '../domain/secret-box.ts';
import {
  buildOtpauthUri,
  formatSecretForDisplay,
  generateTotpSecret,
  verifyTotp,
} from '../domain/totp.ts';
import type { Store } from '../store/index.ts';
import type { User } from '../store/repos/users.repo.ts';

/** What the enable screen shows: the secret as text and as a QR code of the otpauth URI. */
export interface EnrollmentScreen {
  secret: string;
  secretDisplay: string;
  otpauthUri: string;
  qrDataUrl: string;
  expiresAt: Date;
}

const MALFORMED = 'Enter the 6-digit code from your authenticator app.';

/** Outcome of checking a code; `message` is safe to show to the user. */
export type CodeCheck =
  | { ok: true }
  | { ok: false; status: 400 | 401 | 429; message: string; retryAfterSeconds?: number };

/**
 * Self-service TOTP (RFC 6238): enrollment that only turns on after a correct code, sign-in
 * verification with replay refusal and per-account throttling, and removal of every trace.
 */
export function twoFactorService(config: Config, store: Store, ring: KeyRing) {
  const throttle: ThrottleSettings = { ...config.otpThrottle };

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

  /** A 429 that says when to retry (Retry-After) unless the hard stop was reached. */
  function refusal(gate: ThrottleDenied, now: Date): CodeCheck {
    const retryAfterSeconds = gate.hardStop
      ? undefined
      : Math.max(1, Math.ceil((gate.retryAt.getTime() - now.getTime()) / 1000));
    return {
      ok: false,
      status: 429,
      message: describeRetry(gate, now),
      ...(retryAfterSeconds ? { retryAfterSeconds } : {}),
    };
  }

  const notCorrect = (reason: 'replayed' | 'invalid'): string =>
    reason === 'replayed'
      ? 'That code was already used. Wait for the next code in your app.'
      : 'That code is not correct. Check your authenticator app and try again.';

  /**
   * Checks one code against the user's state as stored now, in one store compare-and-set: the
   * throttle, the code, and what it earns (the accepted time step and a cleared counter, or one
   * more failure and its delay) are decided together and written only if nothing changed the user
   * in between. Two requests with the same code, or a burst of guesses, therefore act one after
   * the other on fresh state, on one instance or many (docs/store.md).
   *
   * `accept` turns a correct code's step into the fields to set (sign-in: the step; enrollment:
   * the enabled factor); `secretOf` picks the secret to check from the current user, or returns
   * an answer when there is nothing to check.
   */
  async function checkCode(
    userId: string,
    code: string,
    secretOf: (current: User) => { secret: string; lastUsedStep: number | null } | CodeCheck,
    accept: (current: User, step: number) => Record<string, unknown>,
  ): Promise<CodeCheck> {
    const answer = await store.users.changeSecurityState(userId, (current) => {
      const target = secretOf(current);
      if ('ok' in target) return { result: target };
      const now = new Date();
      const state = { failures: current.otpFailures, lockedUntil: current.otpLockedUntil };
      const gate = checkThrottle(state, now, throttle);
      if (!gate.allowed) return { result: refusal(gate, now) };
      const result = verifyTotp({
        secret: openSecret(ring, target.secret, current.id),
        code,
        nowMs: now.getTime(),
        window: config.totp.window,
        lastUsedStep: target.lastUsedStep,
      });
      if (result.ok) {
        return {
          set: { ...accept(current, result.step), otpFailures: 0, otpLockedUntil: null },
          result: { ok: true } as CodeCheck,
        };
      }
      if (result.reason === 'malformed') {
        return { result: { ok: false, status: 400, message: MALFORMED } as CodeCheck };
      }
      const next = recordFailure(state, now, throttle);
      const after = checkThrottle(next, now, throttle);
      return {
        set: { otpFailures: next.failures, otpLockedUntil: next.lockedUntil },
        result: after.allowed
          ? ({ ok: false, status: 401, message: notCorrect(result.reason) } as CodeCheck)
          : refusal(after, now),
      };
    });
    return answer ?? { ok: false, status: 400, message: 'This account no longer exists.' };
  }

  return {
    /**
     * Starts (or resumes) an enrollment: a fresh 160-bit secret, sealed at rest, pending until a
     * correct code proves the app is set up, so a misconfigured app cannot lock the user out.
     */
    async beginEnrollment(user: User): Promise<EnrollmentScreen> {
      if (user.pendingTotp && user.pendingTotp.expiresAt.getTime() > Date.now()) {
        return screenFor(
          user,
          openSecret(ring, user.pendingTotp.secret, user.id),
          user.pendingTotp.expiresAt,
        );
      }
      const secret = generateTotpSecret();
      const expiresAt = new Date(Date.now() + config.totp.enrollmentMinutes * 60_000);
      await store.users.setPendingTotp(user.id, {
        secret: sealSecret(ring, secret, user.id),
        expiresAt,
      });
      return screenFor(user, secret, expiresAt);
    },

    /** The pending enrollment's screen, or null when there is none or it expired. */
    async pendingScreen(user: User): Promise<EnrollmentScreen | null> {
      if (!user.pendingTotp || user.pendingTotp.expiresAt.getTime() <= Date.now()) return null;
      return screenFor(
        user,
        openSecret(ring, user.pendingTotp.secret, user.id),
        user.pendingTotp.expiresAt,
      );
    },

    /**
     * "Turn On": verifies a code against the pending secret and enables 2FA. Re-enrollment
     * forgets remembered browsers, which were bound to the previous enrollment.
     */
    async confirmEnrollment(user: User, code: string): Promise<CodeCheck> {
      const expected = user.pendingTotp?.secret;
      const result = await checkCode(
        user.id,
        code,
        (current) => {
          const pending = current.pendingTotp;
          if (!pending || !expected) {
            return {
              ok: false,
              status: 400,
              message: 'There is no set-up in progress. Start again.',
            };
          }
          if (pending.secret !== expected) {
            return {
              ok: false,
              status: 400,
              message: 'This set-up changed in another window. Start again.',
            };
          }
          if (pending.expiresAt.getTime() <= Date.now()) {
            return {
              ok: false,
              status: 400,
              message: 'This set-up expired. A new secret was created: scan the new QR code.',
            };
          }
          return { secret: pending.secret, lastUsedStep: null };
        },
        (current, step) => ({
          totp: {
            secret: current.pendingTotp?.secret,
            enrollmentId: randomUUID(),
            enabledAt: new Date(),
            lastUsedStep: step,
          },
          pendingTotp: null,
          recoveryCodeHashes: [],
        }),
      );
      if (result.ok) await store.rememberedBrowsers.revokeAllForUser(user.id);
      return result;
    },

    /** Verifies a sign-in code: throttled per account, each time step accepted once. */
    verifySignInCode(user: User, code: string): Promise<CodeCheck> {
      return checkCode(
        user.id,
        code,
        (current) =>
          current.totp
            ? { secret: current.totp.secret, lastUsedStep: current.totp.lastUsedStep }
            : {
                ok: false,
                status: 400,
                message: 'Two-factor authentication is not on for this account.',
              },
        (_current, step) => ({ 'totp.lastUsedStep': step }),
      );
    },

    /** Turns 2FA off and forgets every remembered browser of the user. */
    async disable(userId: string): Promise<void> {
      await store.users.disableTotp(userId);
      await store.rememberedBrowsers.revokeAllForUser(userId);
    },
  };
}

export type TwoFactorService = ReturnType<typeof twoFactorService>;
