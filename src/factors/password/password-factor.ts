import type { Config } from '../../config.ts';
import type { AttemptGuard, GuardedTarget, Refusal } from '../attempt-guard.ts';
import type { PasswordHasher } from './hasher.ts';
import type { Store } from '../../store/index.ts';
import { normalizeEmail, type User } from '../../store/repos/users.repo.ts';
import { authenticatePassword } from './authenticate.ts';

/** The outcome of a typed password: the user, or why not (a refusal carries a retry time). */
export type PasswordCheck = { ok: true; user: User } | { ok: false; refused: Refusal | null };

/**
 * The password factor (`amr` `pwd`, RFC 8176). Every password a person types, at sign-in or as a
 * re-check on Profile, goes through the attempt guard: per account (by the email typed, so an
 * unknown account is slowed down exactly like a known one) and per client address.
 */
export function passwordFactor(
  config: Config,
  store: Store,
  hasher: PasswordHasher,
  guard: AttemptGuard,
) {
  const account = (email: string): GuardedTarget => ({
    key: `password:account:${normalizeEmail(email)}`,
    settings: config.passwordThrottle.account,
  });
  const address = (ip: string): GuardedTarget => ({
    key: `password:address:${ip}`,
    settings: config.passwordThrottle.address,
    counts: 'failures',
  });

  return {
    amr: 'pwd' as const,

    /** Sign-in: the email and password typed on the sign-in page, from `ip`. */
    async verify(email: string, password: string, ip: string): Promise<PasswordCheck> {
      const outcome = await guard.attempt([account(email), address(ip)], () =>
        authenticatePassword(store, hasher, email, password),
      );
      return outcome.ok ? { ok: true, user: outcome.value } : outcome;
    },

    /** A re-check of the signed-in user's password (Profile), charged to the same counters. */
    async recheck(user: User, password: string, ip: string): Promise<boolean | Refusal> {
      const outcome = await guard.attempt([account(user.email), address(ip)], async () =>
        (await hasher.verify(user.passwordHash, password)) ? true : null,
      );
      return outcome.ok || (outcome.refused ?? false);
    },
  };
}

export type PasswordFactor = ReturnType<typeof passwordFactor>;
