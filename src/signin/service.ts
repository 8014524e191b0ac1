import type { Store } from '../store/index.ts';
import type { User } from '../store/repos/users.repo.ts';
import type { CodeCheck } from '../factors/code-check.ts';
import type {
  RecoveryCheck,
  RecoveryCodeFactor,
} from '../factors/recovery-code/recovery-code-factor.ts';
import type { RememberedBrowserFactor } from '../factors/remembered-browser/remembered-browser-factor.ts';
import type { TotpFactor } from '../factors/totp/totp-factor.ts';
import type { RequestOrigin } from '../services/request-origin.ts';
import type { Notify, TwoFactorService } from '../services/two-factor.ts';
import { requirementFor } from './account-facts.ts';
import type { Requirement, RequestFacts } from './requirement.ts';
import type { AuditTrail } from '../services/audit.ts';

/** The relying party an interaction is for, as the audit trail records it. */
export type ClientId = string | undefined;

/**
 * The sign-in's state and its audit events: the challenge that carries a user from the password
 * to the second step of one interaction, the requirement of a request, and the outcome of each
 * attempt (`login.success`, `login.failure`, `login.otp_failure`,
 * `login.recovery_code_failure`). The code that reaches the hard stop is also told to the user.
 */
export function signInService(deps: {
  store: Store;
  totp: TotpFactor;
  recovery: RecoveryCodeFactor;
  rememberedBrowsers: RememberedBrowserFactor;
  twoFactor: TwoFactorService;
  audit: AuditTrail;
  notify: Notify;
  adminsNeedTwoFactor: boolean;
}) {
  const { store, totp, recovery, audit } = deps;
  const refused = async (
    user: User,
    check: Exclude<CodeCheck, { ok: true }>,
    origin: RequestOrigin,
    action: 'login.otp_failure' | 'login.recovery_code_failure',
  ) => {
    await audit.record(
      { id: user.id, email: user.email, ip: origin.ip },
      action,
      { type: 'user', id: user.id, label: user.email },
      'failure',
    );
    if (check.justLocked) await deps.notify(user, { kind: 'otp.locked' }, origin);
  };
  return {
    /** What this request requires of `user` (src/signin/requirement.ts), read fresh. */
    async requirement(user: User, request: RequestFacts): Promise<Requirement> {
      return requirementFor(store, user, request, deps.adminsNeedTwoFactor);
    },

    /** Remembers, for interaction `uid` until `expiresAt`, that `user` passed the password. */
    async saveChallenge(uid: string, user: User, expiresAt: Date): Promise<void> {
      await store.loginChallenges.save(uid, user.id, expiresAt);
    },

    /** The enabled user challenged in interaction `uid`, or null (none, expired, disabled). */
    async challengedUser(uid: string): Promise<User | null> {
      const challenge = await store.loginChallenges.find(uid);
      const user = challenge ? await store.users.findById(challenge.accountId) : null;
      return user && !user.disabled ? user : null;
    },

    /**
     * Records that `user` set up their authenticator in interaction `uid`: the sign-in finishes
     * once they have seen their recovery codes.
     */
    async enrolled(uid: string): Promise<void> {
      await store.loginChallenges.markEnrolled(uid);
    },

    /** Whether the authenticator was set up in interaction `uid` (see `enrolled`). */
    async hasEnrolled(uid: string): Promise<boolean> {
      return (await store.loginChallenges.find(uid))?.enrolled === true;
    },

    /** The account of an existing session, if it may still sign in (a step-up). */
    async sessionUser(accountId: string): Promise<User | null> {
      const user = await store.users.findById(accountId);
      return user && !user.disabled ? user : null;
    },

    /** Ends interaction `uid`'s challenge and records the sign-in with its `amr`. */
    async succeeded(uid: string, user: User, ip: string, client: ClientId, amr: string[]) {
      await store.loginChallenges.delete(uid);
      await audit.record(
        { id: user.id, email: user.email, ip },
        'login.success',
        { type: 'user', id: user.id, label: user.email },
        'success',
        { client, amr },
      );
    },

    /** Records a refused password, against the account when the email names one. */
    async passwordRefused(email: string, ip: string, client: ClientId, throttled: boolean) {
      const tried = await store.users.findByEmail(email);
      await audit.record(
        { id: null, email: null, ip },
        'login.failure',
        { type: 'user', id: tried?.id ?? '', label: email.trim().toLowerCase() },
        'failure',
        { client, reason: throttled ? 'throttled' : 'password' },
      );
    },

    /**
     * "Remember this browser?" after a correct code: the cookie value to set, or null; the user
     * is told that a new browser can now skip the code.
     */
    async rememberBrowser(user: User, origin: RequestOrigin): Promise<string | null> {
      const token = await deps.rememberedBrowsers.remember(user, origin.userAgent);
      if (token) await deps.notify(user, { kind: 'browser.remembered' }, origin);
      return token;
    },

    /** Checks a sign-in code through the attempt guard; a refused code is audited. */
    async verifyCode(user: User, code: string, origin: RequestOrigin): Promise<CodeCheck> {
      const check = await totp.verify(user, code);
      if (!check.ok) await refused(user, check, origin, 'login.otp_failure');
      return check;
    },

    /**
     * Spends a recovery code at sign-in (the same guard as authenticator codes): a used code is
     * audited and told to the user with how many are left, a refused one is audited.
     */
    async verifyRecoveryCode(
      user: User,
      code: string,
      origin: RequestOrigin,
    ): Promise<RecoveryCheck> {
      const check = await recovery.verify(user, code);
      if (!check.ok) await refused(user, check, origin, 'login.recovery_code_failure');
      else await deps.twoFactor.recoveryCodeUsed(user, check.remaining, origin, 'sign-in');
      return check;
    },
  };
}

export type SignInService = ReturnType<typeof signInService>;
