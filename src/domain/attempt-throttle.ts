/** How OTP failures slow an account down; separate from password failures (DESIGN "Security numbers"). */
export interface OtpThrottleSettings {
  freeFailures: number;
  baseDelaySeconds: number;
  maxDelaySeconds: number;
  hardStopFailures: number;
}

/**
 * Five free tries, then a doubling delay capped at 15 minutes, then a hard stop at 20 failures:
 * well below NIST SP 800-63B's limit of 100 consecutive failures (section 5.2.2).
 */
export const DEFAULT_OTP_THROTTLE: OtpThrottleSettings = {
  freeFailures: 5,
  baseDelaySeconds: 30,
  maxDelaySeconds: 900,
  hardStopFailures: 20,
};

/** The per-account counters the store keeps for second-factor attempts. */
export interface OtpThrottleState {
  failures: number;
  lockedUntil: Date | null;
}

export type OtpThrottleDenied =
  { allowed: false; hardStop: false; retryAt: Date } | { allowed: false; hardStop: true };

export type OtpThrottleResult = { allowed: true } | OtpThrottleDenied;

/**
 * Whether a code may be checked now. Past the hard stop only an administrator's reset of the
 * user's 2FA (a fresh state) allows attempts again, so a guessing attack cannot outlast the delay.
 */
export function checkOtpThrottle(
  state: OtpThrottleState,
  now: Date,
  settings: OtpThrottleSettings = DEFAULT_OTP_THROTTLE,
): OtpThrottleResult {
  if (state.failures >= settings.hardStopFailures) return { allowed: false, hardStop: true };
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
export function recordOtpFailure(
  state: OtpThrottleState,
  now: Date,
  settings: OtpThrottleSettings = DEFAULT_OTP_THROTTLE,
): OtpThrottleState {
  const failures = state.failures + 1;
  if (failures < settings.freeFailures) return { failures, lockedUntil: null };
  const delay = Math.min(
    settings.baseDelaySeconds * 2 ** (failures - settings.freeFailures),
    settings.maxDelaySeconds,
  );
  return { failures, lockedUntil: new Date(now.getTime() + delay * 1000) };
}

/** State after a correct code: the failures were a typo, not an attack, so the count starts over. */
export function recordOtpSuccess(): OtpThrottleState {
  return { failures: 0, lockedUntil: null };
}

function plural(count: number, unit: string): string {
  return `${count} ${unit}${count === 1 ? '' : 's'}`;
}

/** The sentence shown to the user when an attempt is refused, so they know when (or whether) to retry. */
export function describeRetry(result: OtpThrottleDenied, now: Date): string {
  if (result.hardStop) {
    return 'Too many wrong codes. Two-factor sign-in is locked for this account; ask an administrator to reset it.';
  }
  const seconds = Math.max(1, Math.ceil((result.retryAt.getTime() - now.getTime()) / 1000));
  const wait = seconds < 60 ? plural(seconds, 'second') : plural(Math.ceil(seconds / 60), 'minute');
  return `Too many wrong codes. Try again in ${wait}.`;
}
