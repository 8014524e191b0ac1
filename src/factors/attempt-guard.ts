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
  /**
   * `before` (the default) charges every attempt before the check and clears the counter on a
   * correct secret; `failures` only checks the delay before and counts a wrong secret after, for
   * counters a success must not reset (a client address) and that bursts are already bounded on.
   */
  counts?: 'before' | 'failures';
}

/** A refused attempt: a message safe to show, and when to retry (absent after a hard stop). */
export interface Refusal {
  message: string;
  retryAfterSeconds?: number;
  hardStop: boolean;
}

/** A charge refused, or made (possibly the one that reaches the hard stop). */
type Charge = { denied: ThrottleDenied } | { denied: null; reachesHardStop: boolean };

/** How long a counter with no lock is kept after its last failure before it is forgotten. */
const FORGET_AFTER_MS = 24 * 3600 * 1000;

/**
 * The attempt guard for every secret a person types (passwords at sign-in and on Profile, codes
 * at sign-in, set-up and Profile). An attempt is charged to its account's counter *before* the
 * secret is checked, as if it failed, in one compare-and-set; a correct secret then clears the
 * counter. So a burst of parallel guesses cannot slip in before the first failure is recorded,
 * and the right secret is held back during a delay exactly like a wrong one.
 */
export function attemptGuard(store: Store) {
  function refusal(denied: ThrottleDenied, now: Date, what: 'codes' | 'attempts'): Refusal {
    return {
      message: describeRetry(denied, now, what),
      hardStop: denied.hardStop,
      ...(denied.hardStop ? {} : { retryAfterSeconds: retryAfterSeconds(denied.retryAt, now) }),
    };
  }

  /** Whether `target` refuses an attempt now, without charging it. */
  async function deniedNow(target: GuardedTarget, now: Date): Promise<ThrottleDenied | null> {
    const gate = checkThrottle(await store.attempts.get(target.key), now, target.settings);
    return gate.allowed ? null : gate;
  }

  /**
   * Charges one attempt to `target`, or refuses it; the counter is written only when charged.
   * `reachesHardStop` marks the one charge that takes the counter to its hard stop.
   */
  function charge(target: GuardedTarget, now: Date): Promise<Charge> {
    return store.attempts.change<Charge>(target.key, (counter) => {
      const gate = checkThrottle(counter, now, target.settings);
      if (!gate.allowed) return { result: { denied: gate } };
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
        result: { denied: null, reachesHardStop: hardStopped },
      };
    });
  }

  return {
    /**
     * Runs `check` (which spends the same work whatever the answer) only if every target accepts
     * one more attempt now, in order; a refusal stops there. Counters that count `before` are
     * charged before the check and cleared when it passes; counters that count `failures` are
     * charged only when it fails.
     */
    async attempt<T>(
      targets: GuardedTarget[],
      check: () => Promise<T | null>,
      what: 'codes' | 'attempts' = 'attempts',
    ): Promise<
      { ok: true; value: T } | { ok: false; refused: Refusal | null; reachedHardStop: boolean }
    > {
      const now = new Date();
      let reachesHardStop = false;
      for (const target of targets) {
        if (target.counts === 'failures') {
          const denied = await deniedNow(target, now);
          if (denied)
            return { ok: false, refused: refusal(denied, now, what), reachedHardStop: false };
          continue;
        }
        const charged = await charge(target, now);
        if (charged.denied) {
          return { ok: false, refused: refusal(charged.denied, now, what), reachedHardStop: false };
        }
        reachesHardStop ||= charged.reachesHardStop;
      }
      const value = await check();
      for (const target of targets) {
        if (target.counts === 'failures') {
          if (value === null) await charge(target, new Date());
        } else if (value !== null) {
          await this.clear(target.key);
        }
      }
      return value === null
        ? { ok: false, refused: null, reachedHardStop: reachesHardStop }
        : { ok: true, value };
    },

    /** The refusal `target` would give an attempt now (after a failure), or null. */
    async refusalNow(target: GuardedTarget, what: 'codes' | 'attempts'): Promise<Refusal | null> {
      const now = new Date();
      const denied = await deniedNow(target, now);
      return denied ? refusal(denied, now, what) : null;
    },

    /** Forgets the failures of `key` (a correct secret, or an administrator's unlock). */
    async clear(key: string): Promise<void> {
      await store.attempts.forget(key);
    },
  };
}

export type AttemptGuard = ReturnType<typeof attemptGuard>;
