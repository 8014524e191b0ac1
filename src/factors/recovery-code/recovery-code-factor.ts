import type { Config } from '../../config.ts';
import { generateRecoveryCodes, matchRecoveryCode } from '../../domain/recovery-codes.ts';
import type { Store } from '../../store/index.ts';
import type { User } from '../../store/repos/users.repo.ts';
import type { AttemptGuard } from '../attempt-guard.ts';
import { guardedCodeCheck, secondFactorCounter, type CodeCheck } from '../code-check.ts';

/** How many codes a new set has. */
export const RECOVERY_CODE_COUNT = 10;
/** Profile warns when this many or fewer are left. */
export const RECOVERY_CODES_LOW = 3;

/** A recovery code was spent: how many the user has left. */
export type RecoveryCheck = { ok: true; remaining: number } | Exclude<CodeCheck, { ok: true }>;

/**
 * Recovery codes, the factor for a lost authenticator: ten single-use codes of 50 random bits
 * (src/domain/recovery-codes.ts), stored only as hashes and shown once when generated. A code is
 * spent in one compare-and-set, so it works exactly once even under concurrent use, and every
 * try is charged to the same per-account counter as authenticator codes. It stands in for the
 * authenticator in a sign-in; its `amr` is `recovery_code` (README) rather than `otp`, so a
 * relying party can tell that the user's authenticator was not used.
 */
export function recoveryCodeFactor(config: Config, store: Store, guard: AttemptGuard) {
  const counterOf = (userId: string) => secondFactorCounter({ ...config.otpThrottle }, userId);

  return {
    amr: 'recovery_code' as const,

    /** How many unused codes the user has, or null when they never had a set. */
    async remaining(userId: string): Promise<number | null> {
      const set = await store.credentials.findRecoveryCodes(userId);
      return set ? set.hashes.length : null;
    },

    /**
     * A new set of codes for the user, replacing any older set (those codes stop working now).
     * The plain codes are returned to be shown once and are never stored.
     */
    async generate(userId: string): Promise<string[]> {
      const { codes, hashes } = generateRecoveryCodes(RECOVERY_CODE_COUNT);
      await store.credentials.saveRecoveryCodes({ userId, hashes, generatedAt: new Date() });
      return codes;
    },

    /** Spends one code of the user's set: throttled like authenticator codes, each code once. */
    async verify(user: User, code: string): Promise<RecoveryCheck> {
      if (!code.trim() || code.length > 64) {
        return { ok: false, status: 400, message: 'Enter one of your recovery codes.' };
      }
      const result = await guardedCodeCheck<number>(
        guard,
        counterOf(user.id),
        async () => {
          const remaining = await store.credentials.spendRecoveryCode(user.id, (hashes) =>
            matchRecoveryCode(code, hashes),
          );
          return remaining === null ? { refused: 'wrong' } : { accepted: remaining };
        },
        {
          wrong: 'That recovery code is not correct, or it was already used.',
          replayed: 'That recovery code was already used.',
        },
      );
      return result.ok ? { ok: true, remaining: result.value } : result;
    },

    /** Deletes the user's codes (2FA turned off or reset by an administrator). */
    async remove(userId: string): Promise<void> {
      await store.credentials.removeRecoveryCodes(userId);
    },
  };
}

export type RecoveryCodeFactor = ReturnType<typeof recoveryCodeFactor>;
