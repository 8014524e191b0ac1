import type { ThrottleSettings } from '../domain/attempt-throttle.ts';
import type { AttemptGuard, GuardedTarget } from './attempt-guard.ts';

/** Outcome of checking a typed code; `message` is safe to show to the user. */
export type CodeCheck =
  | { ok: true }
  | {
      ok: false;
      status: 400 | 401 | 403 | 429;
      message: string;
      retryAfterSeconds?: number;
      /** This very attempt reached the hard stop (the user is told once, by email). */
      justLocked?: boolean;
    };

/**
 * The per-account counter every second-factor code is charged to: authenticator codes and
 * recovery codes share it, so switching between them buys an attacker no extra guesses.
 */
export function secondFactorCounter(settings: ThrottleSettings, userId: string): GuardedTarget {
  return { key: `otp:account:${userId}`, settings };
}

/** How a guarded code check went, when it did not pass. */
export type CodeVerdict<T> = { accepted: T } | { refused: 'wrong' | 'replayed' };

/**
 * Runs one code check through the attempt guard (charged before the check, cleared on success)
 * and turns the outcome into what the pages show: 429 with Retry-After while delayed or stopped,
 * 401 for a wrong or reused code, flagging the attempt that reached the hard stop.
 */
export async function guardedCodeCheck<T>(
  guard: AttemptGuard,
  counter: GuardedTarget,
  check: () => Promise<CodeVerdict<T>>,
  messages: { wrong: string; replayed: string },
): Promise<{ ok: true; value: T } | Exclude<CodeCheck, { ok: true }>> {
  let verdict: 'wrong' | 'replayed' = 'wrong';
  const outcome = await guard.attempt(
    [counter],
    async () => {
      const result = await check();
      if ('accepted' in result) return { value: result.accepted };
      verdict = result.refused;
      return null;
    },
    'codes',
  );
  if (outcome.ok) return { ok: true, value: outcome.value.value };
  const refused = outcome.refused ?? (await guard.refusalNow(counter, 'codes'));
  if (refused) {
    return {
      ok: false,
      status: 429,
      message: refused.message,
      ...(refused.retryAfterSeconds ? { retryAfterSeconds: refused.retryAfterSeconds } : {}),
      ...(outcome.reachedHardStop ? { justLocked: true } : {}),
    };
  }
  return { ok: false, status: 401, message: messages[verdict] };
}
