import { randomUUID } from 'node:crypto';
import QRCode from 'qrcode';
import type { Config } from '../config.ts';
import {
  checkOtpThrottle,
  describeRetry,
  recordOtpFailure,
  type OtpThrottleDenied,
  type OtpThrottleSettings,
} from '../domain/otp-throttle.ts';
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

/** Outcome of checking a code; `message` is safe to show to the user. */
export type CodeCheck =
  | { ok: true }
  | { ok: false; status: 400 | 401 | 429; message: string; retryAfterSeconds?: number };

/**
 * Self-service TOTP (RFC 6238): enrollment that only turns on after a correct code, sign-in
 * verification with replay refusal and per-account throttling, and removal of every trace.
 */
export function twoFactorService(config: Config, store: Store, ring: KeyRing) {
  const throttle: OtpThrottleSettings = { ...config.otpThrottle };

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
  function refusal(gate: OtpThrottleDenied, now: Date): CodeCheck {
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

  /**
   * Runs one code check per account at a time in this process. MongoDB makes the conditional
   * claim below atomic across instances; FerretDB's SQLite backend does not isolate concurrent
   * updates of one document (measured: 10 "successful" claims for 5 increments), so on it only
   * this serialisation keeps a parallel burst from getting extra guesses.
   */
  const checking = new Map<string, Promise<unknown>>();
  async function oneAtATime<T>(key: string, task: () => Promise<T>): Promise<T> {
    const previous = checking.get(key) ?? Promise.resolve();
    const run = previous.then(task, task);
    const settled = run.catch(() => undefined);
    checking.set(key, settled);
    try {
      return await run;
    } finally {
      if (checking.get(key) === settled) checking.delete(key);
    }
  }

  /**
   * Checks the throttle, then the code. Every checked code counts as an attempt: the counter and
   * the lock a wrong code earns are written in one conditional update against the counter this
   * check read, so parallel requests, even on several instances, get one guess each. A correct
   * code clears both where it is accepted (acceptTotpStep, enableTotp).
   */
  function checkCode(
    user: User,
    secret: string,
    code: string,
    mode: 'login' | 'enroll',
  ): Promise<CodeCheck & { step?: number }> {
    return oneAtATime(user.id, () => checkCodeNow(user, secret, code, mode));
  }

  async function checkCodeNow(
    user: User,
    secret: string,
    code: string,
    mode: 'login' | 'enroll',
  ): Promise<CodeCheck & { step?: number }> {
    // The counters as they are now, not as they were when this request loaded the user.
    const current = (await store.users.findById(user.id)) ?? user;
    const now = new Date();
    const state = { failures: current.otpFailures, lockedUntil: current.otpLockedUntil };
    const gate = checkOtpThrottle(state, now, throttle);
    if (!gate.allowed) return refusal(gate, now);
    const result = verifyTotp({
      secret,
      code,
      nowMs: now.getTime(),
      window: config.totp.window,
      lastUsedStep: mode === 'login' ? (current.totp?.lastUsedStep ?? null) : null,
    });
    if (!result.ok && result.reason === 'malformed') {
      return {
        ok: false,
        status: 400,
        message: 'Enter the 6-digit code from your authenticator app.',
      };
    }
    const next = recordOtpFailure(state, now, throttle);
    const claimed = await store.users.claimOtpAttempt(user.id, state.failures, next.lockedUntil);
    if (!claimed) {
      return refusal(
        { allowed: false, hardStop: false, retryAt: new Date(now.getTime() + 1000) },
        now,
      );
    }
    if (result.ok) return { ok: true, step: result.step };
    const after = checkOtpThrottle(next, now, throttle);
    if (!after.allowed) return refusal(after, now);
    return {
      ok: false,
      status: 401,
      message:
        result.reason === 'replayed'
          ? 'That code was already used. Wait for the next code in your app.'
          : 'That code is not correct. Check your authenticator app and try again.',
    };
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
      if (!user.pendingTotp) {
        return { ok: false, status: 400, message: 'There is no set-up in progress. Start again.' };
      }
      if (user.pendingTotp.expiresAt.getTime() <= Date.now()) {
        return {
          ok: false,
          status: 400,
          message: 'This set-up expired. A new secret was created: scan the new QR code.',
        };
      }
      const secret = openSecret(ring, user.pendingTotp.secret, user.id);
      const result = await checkCode(user, secret, code, 'enroll');
      if (!result.ok) return result;
      const enabled = await store.users.enableTotp(user.id, user.pendingTotp.secret, {
        secret: user.pendingTotp.secret,
        enrollmentId: randomUUID(),
        lastUsedStep: result.step ?? 0,
      });
      if (!enabled)
        return {
          ok: false,
          status: 400,
          message: 'This set-up changed in another window. Start again.',
        };
      await store.rememberedBrowsers.revokeAllForUser(user.id);
      return { ok: true };
    },

    /** Verifies a sign-in code: throttled per account, each time step accepted once. */
    async verifySignInCode(user: User, code: string): Promise<CodeCheck> {
      if (!user.totp)
        return {
          ok: false,
          status: 400,
          message: 'Two-factor authentication is not on for this account.',
        };
      const secret = openSecret(ring, user.totp.secret, user.id);
      const result = await checkCode(user, secret, code, 'login');
      if (!result.ok) return result;
      const accepted = await store.users.acceptTotpStep(user.id, result.step ?? 0);
      if (!accepted)
        return {
          ok: false,
          status: 401,
          message: 'That code was already used. Wait for the next code in your app.',
        };
      return { ok: true };
    },

    /** Turns 2FA off and forgets every remembered browser of the user. */
    async disable(userId: string): Promise<void> {
      await store.users.disableTotp(userId);
      await store.rememberedBrowsers.revokeAllForUser(userId);
    },
  };
}

export type TwoFactorService = ReturnType<typeof twoFactorService>;
