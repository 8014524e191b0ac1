import {
  checkThrottle,
  describeRetry,
  recordFailure,
  retryAfterSeconds,
  type ThrottleDenied,
  type ThrottleSettings,
} from '../domain/attempt-throttle.ts';
import type { Store } from '../store/index.ts';

/** One counter an attempt is charged to, and the curve it follows. */
export interface GuardedTarget {
  key: string;
  settings: ThrottleSettings;
}

/** A refused attempt: a message safe to show, and when to retry (absent after a hard stop). */
export interface Refusal {
  message: string;
  retryAfterSeconds?: number;
  hardStop: boolean;
}

/** How long a counter with no lock is kept after its last failure before it is forgotten. */
const FORGET_AFTER_MS = 24 * 3600 * 1000;

/**
 * The attempt guard for every secret a person types (passwords at sign-in and on Profile; codes
 * have theirs in the second factor's own state). An attempt is charged to each target *before*
 * the secret is checked, as if it failed, in one compare-and-set per counter; a correct secret
 * then clears the charge. So a burst of parallel guesses cannot slip in before the first failure
 * is recorded, and the right secret is held back during a delay exactly like a wrong one.
 */
export function attemptGuard(store: Store) {
  function refusal(denied: ThrottleDenied, now: Date, what: 'codes' | 'attempts'): Refusal {
    return {
      message: describeRetry(denied, now, what),
      hardStop: denied.hardStop,
      ...(denied.hardStop ? {} : { retryAfterSeconds: retryAfterSeconds(denied.retryAt, now) }),
    };
  }

  /** Charges one attempt to `target`, or refuses it; the counter is written only when charged. */
  function charge(target: GuardedTarget, now: Date): Promise<ThrottleDenied | null> {
    return store.attempts.change(target.key, (counter) => {
      const gate = checkThrottle(counter, now, target.settings);
      if (!gate.allowed) return { result: gate };
      const next = recordFailure(counter, now, target.settings);
      const hardStopped =
        target.settings.hardStopFailures !== null &&
        next.failures >= target.settings.hardStopFailures;
      const forgetAt = Math.max(now.getTime() + FORGET_AFTER_MS, next.lockedUntil?.getTime() ?? 0);
      return {
        next: {
          ...next,
          lastFailureAt: now,
          expiresAt: hardStopped ? null : new Date(forgetAt),
        },
        result: null,
      };
    });
  }

  /**
   * Takes back the charge of an attempt that turned out right, on a counter a success must not
   * clear: the count goes down by one, and the delay it may have started goes with it while the
   * count is back under the free failures.
   */
  function refund(target: GuardedTarget): Promise<void> {
    return store.attempts.change(target.key, (counter) => {
      if (counter.failures === 0) return { result: undefined };
      const failures = counter.failures - 1;
      const free = failures < target.settings.freeFailures;
      return {
        next: {
          failures,
          lockedUntil: free ? null : counter.lockedUntil,
          lastFailureAt: counter.lastFailureAt,
          expiresAt: new Date(failures === 0 ? Date.now() : Date.now() + FORGET_AFTER_MS),
        },
        result: undefined,
      };
    });
  }

  return {
    /**
     * Runs `check` (which spends the same work whatever the answer) only if every target accepts
     * one more attempt now; targets are charged in order, and a refusal stops there. When `check`
     * passes, the counters named in `clearOnSuccess` are cleared (an account's) and the others get
     * this attempt's charge back (an address's: one valid account must not reset it for a spraying
     * attacker, and successes must not add up to a delay).
     */
    async attempt<T>(
      targets: GuardedTarget[],
      clearOnSuccess: string[],
      check: () => Promise<T | null>,
      what: 'codes' | 'attempts' = 'attempts',
    ): Promise<{ ok: true; value: T } | { ok: false; refused: Refusal | null }> {
      const now = new Date();
      for (const target of targets) {
        const denied = await charge(target, now);
        if (denied) return { ok: false, refused: refusal(denied, now, what) };
      }
      const value = await check();
      if (value === null) return { ok: false, refused: null };
      for (const target of targets) {
        if (clearOnSuccess.includes(target.key)) await this.clear(target.key);
        else await refund(target);
      }
      return { ok: true, value };
    },

    /** The refusal `target` would give an attempt now (after a failure), or null. */
    async refusalNow(target: GuardedTarget, what: 'codes' | 'attempts'): Promise<Refusal | null> {
      const now = new Date();
      const gate = checkThrottle(await store.attempts.get(target.key), now, target.settings);
      return gate.allowed ? null : refusal(gate, now, what);
    },

    /** Forgets the failures of `key` (a correct secret, or an administrator's unlock). */
    async clear(key: string): Promise<void> {
      await store.attempts.change(key, (counter) =>
        counter.failures === 0 && !counter.lockedUntil
          ? { result: undefined }
          : {
              next: {
                failures: 0,
                lockedUntil: null,
                lastFailureAt: counter.lastFailureAt,
                expiresAt: new Date(),
              },
              result: undefined,
            },
      );
    },
  };
}

export type AttemptGuard = ReturnType<typeof attemptGuard>;
