/**
 * How failures of one typed secret slow its target down: free failures, then a doubling delay
 * with a cap, and for second factors a hard stop. One curve for every secret a person types
 * (passwords per account and per address, codes per account), each with its own counter.
 */
export interface ThrottleSettings {
  freeFailures: number;
  baseDelaySeconds: number;
  maxDelaySeconds: number;
  /** Failures after which only an administrator's unlock allows attempts; null: never. */
  hardStopFailures: number | null;
}

/**
 * Five free tries, then a doubling delay capped at 15 minutes, then a hard stop at 20 failures:
 * well below NIST SP 800-63B's limit of 100 consecutive failures (section 5.2.2).
 */
export const DEFAULT_OTP_THROTTLE: ThrottleSettings = {
  freeFailures: 5,
  baseDelaySeconds: 30,
  maxDelaySeconds: 900,
  hardStopFailures: 20,
};

/**
 * Five free tries per account, then 30 s doubling to a 15-minute cap, and no hard stop: after the
 * 11th failure an attacker gets at most 4 guesses an hour (96 a day) on one account, while a
 * guesser can never lock its owner out for longer than the cap. The right password is held back
 * during a delay like a wrong one, so the delay cannot be used as an oracle.
 */
export const DEFAULT_PASSWORD_THROTTLE: ThrottleSettings = {
  freeFailures: 5,
  baseDelaySeconds: 30,
  maxDelaySeconds: 900,
  hardStopFailures: null,
};

/**
 * Per client address, across accounts (password spraying): more free failures, since many
 * people may share an address, then the same curve.
 */
export const DEFAULT_ADDRESS_THROTTLE: ThrottleSettings = {
  freeFailures: 50,
  baseDelaySeconds: 30,
  maxDelaySeconds: 900,
  hardStopFailures: null,
};

/** The counters the store keeps per throttled target. */
export interface ThrottleState {
  failures: number;
  lockedUntil: Date | null;
}

export type ThrottleDenied =
  { allowed: false; hardStop: false; retryAt: Date } | { allowed: false; hardStop: true };

export type ThrottleResult = { allowed: true } | ThrottleDenied;

/**
 * Whether a code may be checked now. Past the hard stop only an administrator's reset of the
 * user's 2FA (a fresh state) allows attempts again, so a guessing attack cannot outlast the delay.
 */
export function checkThrottle(
  state: ThrottleState,
  now: Date,
  settings: ThrottleSettings = DEFAULT_OTP_THROTTLE,
): ThrottleResult {
  if (settings.hardStopFailures !== null && state.failures >= settings.hardStopFailures) {
    return { allowed: false, hardStop: true };
  }
  if (state.lockedUntil && state.lockedUntil.getTime() > now.getTime()) {
    return { allowed: false, hardStop: false, retryAt: state.lockedUntil };
  }
  return { allowed: true };
}

/**
 * State after a wrong code: from the `freeFailures`th consecutive failure on, the account waits
 * `base * 2^(N - freeFailures)` seconds (capped), which makes online guessing of a 6-digit code
 * impractical without locking out a user who mistypes a few times.
 */
export function recordFailure(
  state: ThrottleState,
  now: Date,
  settings: ThrottleSettings = DEFAULT_OTP_THROTTLE,
): ThrottleState {
  const failures = state.failures + 1;
  if (failures < settings.freeFailures) return { failures, lockedUntil: null };
  const delay = Math.min(
    settings.baseDelaySeconds * 2 ** (failures - settings.freeFailures),
    settings.maxDelaySeconds,
  );
  return { failures, lockedUntil: new Date(now.getTime() + delay * 1000) };
}

/** State after a correct code: the failures were a typo, not an attack, so the count starts over. */
export function recordSuccess(): ThrottleState {
  return { failures: 0, lockedUntil: null };
}

function plural(count: number, unit: string): string {
  return `${count} ${unit}${count === 1 ? '' : 's'}`;
}

/** Seconds until a delayed attempt may be made again (at least 1), for `Retry-After`. */
export function retryAfterSeconds(retryAt: Date, now: Date): number {
  return Math.max(1, Math.ceil((retryAt.getTime() - now.getTime()) / 1000));
}

/**
 * The sentence shown when an attempt is refused, so people know when (or whether) to retry:
 * `codes` for second factors, `attempts` for passwords.
 */
export function describeRetry(
  result: ThrottleDenied,
  now: Date,
  what: 'codes' | 'attempts' = 'codes',
): string {
  const too = what === 'codes' ? 'Too many wrong codes.' : 'Too many failed attempts.';
  if (result.hardStop) {
    return `${too} Two-factor sign-in is locked for this account; ask an administrator to unlock it.`;
  }
  const seconds = retryAfterSeconds(result.retryAt, now);
  const wait = seconds < 60 ? plural(seconds, 'second') : plural(Math.ceil(seconds / 60), 'minute');
  return `${too} Try again in ${wait}.`;
}
