import type { Store } from '../store/index.ts';
import type { User } from '../store/repos/users.repo.ts';
import type { CodeCheck, TotpFactor } from '../factors/totp/totp-factor.ts';
import { requirementFor } from './account-facts.ts';
import type { Requirement, RequestFacts } from './requirement.ts';
import type { AuditTrail } from '../services/audit.ts';

/** The relying party an interaction is for, as the audit trail records it. */
export type ClientId = string | undefined;

/**
 * The sign-in's state and its audit events: the challenge that carries a user from the password
 * to the second step of one interaction, the requirement of a request, and the outcome of each
 * attempt (`login.success`, `login.failure`, `login.otp_failure`).
 */
export function signInService(deps: {
  store: Store;
  totp: TotpFactor;
  audit: AuditTrail;
  adminsNeedTwoFactor: boolean;
}) {
  const { store, totp, audit } = deps;
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

    /** Checks a sign-in code through the attempt guard; a refused code is audited. */
    async verifyCode(user: User, code: string, ip: string): Promise<CodeCheck> {
      const check = await totp.verify(user, code);
      if (!check.ok) {
        await audit.record(
          { id: user.id, email: user.email, ip },
          'login.otp_failure',
          { type: 'user', id: user.id, label: user.email },
          'failure',
        );
      }
      return check;
    },
  };
}

export type SignInService = ReturnType<typeof signInService>;
