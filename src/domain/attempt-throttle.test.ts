import { afterEach, beforeEach, describe, expect, it, jest } from '@jest/globals';
import {
  checkOtpThrottle,
  DEFAULT_OTP_THROTTLE,
  describeRetry,
  recordOtpFailure,
  recordOtpSuccess,
  type OtpThrottleState,
} from './otp-throttle.ts';

const START = new Date('2030-01-01T00:00:00Z');

function fail(state: OtpThrottleState, times: number): OtpThrottleState {
  let next = state;
  for (let i = 0; i < times; i += 1)
    next = recordOtpFailure(next, new Date(), DEFAULT_OTP_THROTTLE);
  return next;
}

function delaySeconds(state: OtpThrottleState): number | null {
  return state.lockedUntil ? (state.lockedUntil.getTime() - Date.now()) / 1000 : null;
}

describe('otp throttle', () => {
  beforeEach(() => {
    jest.useFakeTimers();
    jest.setSystemTime(START);
  });
  afterEach(() => {
    jest.useRealTimers();
  });

  it('allows the first failures without delay', () => {
    let state = recordOtpSuccess();
    for (let i = 1; i <= 4; i += 1) {
      state = fail(state, 1);
      expect(state).toEqual({ failures: i, lockedUntil: null });
      expect(checkOtpThrottle(state, new Date())).toEqual({ allowed: true });
    }
  });

  it('delays after the fifth failure and doubles up to the cap', () => {
    let state = fail(recordOtpSuccess(), 4);
    const schedule: Array<number | null> = [];
    for (let i = 5; i <= 12; i += 1) {
      state = fail(state, 1);
      schedule.push(delaySeconds(state));
    }
    expect(schedule).toEqual([30, 60, 120, 240, 480, 900, 900, 900]);
  });

  it('refuses during the delay and allows again exactly when it ends', () => {
    const state = fail(recordOtpSuccess(), 6); // 60 s
    const check = checkOtpThrottle(state, new Date());
    expect(check).toEqual({
      allowed: false,
      hardStop: false,
      retryAt: new Date(START.getTime() + 60_000),
    });
    if (check.allowed) throw new Error('expected a refusal');
    expect(describeRetry(check, new Date())).toBe('Too many wrong codes. Try again in 1 minute.');
    jest.advanceTimersByTime(59_999);
    expect(checkOtpThrottle(state, new Date()).allowed).toBe(false);
    jest.advanceTimersByTime(1);
    expect(checkOtpThrottle(state, new Date())).toEqual({ allowed: true });
  });

  it('hard-stops at the configured number of failures, whatever the time', () => {
    const state = fail(recordOtpSuccess(), 20);
    jest.advanceTimersByTime(365 * 24 * 3600 * 1000);
    const check = checkOtpThrottle(state, new Date());
    expect(check).toEqual({ allowed: false, hardStop: true });
    if (check.allowed) throw new Error('expected a refusal');
    expect(describeRetry(check, new Date())).toBe(
      'Too many wrong codes. Two-factor sign-in is locked for this account; ask an administrator to reset it.',
    );
    const almost = fail(recordOtpSuccess(), 19);
    jest.advanceTimersByTime(900_000);
    expect(checkOtpThrottle(almost, new Date())).toEqual({ allowed: true });
  });

  it('resets on success', () => {
    const state = fail(recordOtpSuccess(), 7);
    expect(recordOtpSuccess()).toEqual({ failures: 0, lockedUntil: null });
    expect(fail(recordOtpSuccess(), 1)).toEqual({ failures: 1, lockedUntil: null });
    expect(state.failures).toBe(7);
  });

  it('honours custom settings', () => {
    const settings = {
      freeFailures: 1,
      baseDelaySeconds: 10,
      maxDelaySeconds: 15,
      hardStopFailures: 3,
    };
    let state = recordOtpFailure(recordOtpSuccess(), new Date(), settings);
    expect(delaySeconds(state)).toBe(10);
    state = recordOtpFailure(state, new Date(), settings);
    expect(delaySeconds(state)).toBe(15);
    state = recordOtpFailure(state, new Date(), settings);
    expect(checkOtpThrottle(state, new Date(), settings)).toEqual({
      allowed: false,
      hardStop: true,
    });
  });

  it('describes waits in seconds and minutes', () => {
    const now = new Date();
    const at = (ms: number) => ({
      allowed: false as const,
      hardStop: false as const,
      retryAt: new Date(now.getTime() + ms),
    });
    expect(describeRetry(at(30_000), now)).toBe('Too many wrong codes. Try again in 30 seconds.');
    expect(describeRetry(at(1_000), now)).toBe('Too many wrong codes. Try again in 1 second.');
    expect(describeRetry(at(61_000), now)).toBe('Too many wrong codes. Try again in 2 minutes.');
    expect(describeRetry(at(900_000), now)).toBe('Too many wrong codes. Try again in 15 minutes.');
  });
});
