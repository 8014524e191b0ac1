import { afterEach, beforeEach, describe, expect, it, jest } from '@jest/globals';
import {
  checkThrottle,
  DEFAULT_OTP_THROTTLE,
  DEFAULT_PASSWORD_THROTTLE,
  describeRetry,
  recordFailure,
  recordSuccess,
  type ThrottleState,
} from './attempt-throttle.ts';

const START = new Date('2030-01-01T00:00:00Z');

function fail(state: ThrottleState, times: number): ThrottleState {
  let next = state;
  for (let i = 0; i < times; i += 1) next = recordFailure(next, new Date(), DEFAULT_OTP_THROTTLE);
  return next;
}

function delaySeconds(state: ThrottleState): number | null {
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
    let state = recordSuccess();
    for (let i = 1; i <= 4; i += 1) {
      state = fail(state, 1);
      expect(state).toEqual({ failures: i, lockedUntil: null });
      expect(checkThrottle(state, new Date())).toEqual({ allowed: true });
    }
  });

  it('delays after the fifth failure and doubles up to the cap', () => {
    let state = fail(recordSuccess(), 4);
    const schedule: Array<number | null> = [];
    for (let i = 5; i <= 12; i += 1) {
      state = fail(state, 1);
      schedule.push(delaySeconds(state));
    }
    expect(schedule).toEqual([30, 60, 120, 240, 480, 900, 900, 900]);
  });

  it('refuses during the delay and allows again exactly when it ends', () => {
    const state = fail(recordSuccess(), 6); // 60 s
    const check = checkThrottle(state, new Date());
    expect(check).toEqual({
      allowed: false,
      hardStop: false,
      retryAt: new Date(START.getTime() + 60_000),
    });
    if (check.allowed) throw new Error('expected a refusal');
    expect(describeRetry(check, new Date())).toBe('Too many wrong codes. Try again in 1 minute.');
    jest.advanceTimersByTime(59_999);
    expect(checkThrottle(state, new Date()).allowed).toBe(false);
    jest.advanceTimersByTime(1);
    expect(checkThrottle(state, new Date())).toEqual({ allowed: true });
  });

  it('hard-stops at the configured number of failures, whatever the time', () => {
    const state = fail(recordSuccess(), 20);
    jest.advanceTimersByTime(365 * 24 * 3600 * 1000);
    const check = checkThrottle(state, new Date());
    expect(check).toEqual({ allowed: false, hardStop: true });
    if (check.allowed) throw new Error('expected a refusal');
    expect(describeRetry(check, new Date())).toBe(
      'Too many wrong codes. Two-factor sign-in is locked for this account; ask an administrator to unlock it.',
    );
    const almost = fail(recordSuccess(), 19);
    jest.advanceTimersByTime(900_000);
    expect(checkThrottle(almost, new Date())).toEqual({ allowed: true });
  });

  it('resets on success', () => {
    const state = fail(recordSuccess(), 7);
    expect(recordSuccess()).toEqual({ failures: 0, lockedUntil: null });
    expect(fail(recordSuccess(), 1)).toEqual({ failures: 1, lockedUntil: null });
    expect(state.failures).toBe(7);
  });

  it('honours custom settings', () => {
    const settings = {
      freeFailures: 1,
      baseDelaySeconds: 10,
      maxDelaySeconds: 15,
      hardStopFailures: 3,
    };
    let state = recordFailure(recordSuccess(), new Date(), settings);
    expect(delaySeconds(state)).toBe(10);
    state = recordFailure(state, new Date(), settings);
    expect(delaySeconds(state)).toBe(15);
    state = recordFailure(state, new Date(), settings);
    expect(checkThrottle(state, new Date(), settings)).toEqual({
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

describe('password throttle', () => {
  beforeEach(() => {
    jest.useFakeTimers();
    jest.setSystemTime(START);
  });
  afterEach(() => {
    jest.useRealTimers();
  });

  it('never hard-stops, and the delay never passes its cap', () => {
    let state = recordSuccess();
    for (let i = 0; i < 200; i += 1)
      state = recordFailure(state, new Date(), DEFAULT_PASSWORD_THROTTLE);
    expect(state.failures).toBe(200);
    const gate = checkThrottle(state, new Date(), DEFAULT_PASSWORD_THROTTLE);
    expect(gate).toEqual({
      allowed: false,
      hardStop: false,
      retryAt: new Date(START.getTime() + 900_000),
    });
    jest.setSystemTime(new Date(START.getTime() + 900_000));
    expect(checkThrottle(state, new Date(), DEFAULT_PASSWORD_THROTTLE)).toEqual({ allowed: true });
  });

  it('allows five free failures, then doubles from 30 seconds', () => {
    let state = recordSuccess();
    for (let i = 0; i < 4; i += 1)
      state = recordFailure(state, new Date(), DEFAULT_PASSWORD_THROTTLE);
    expect(state.lockedUntil).toBeNull();
    state = recordFailure(state, new Date(), DEFAULT_PASSWORD_THROTTLE);
    expect(delaySeconds(state)).toBe(30);
    state = recordFailure(state, new Date(), DEFAULT_PASSWORD_THROTTLE);
    expect(delaySeconds(state)).toBe(60);
  });

  it('tells people how long to wait in words about attempts', () => {
    const gate = checkThrottle(
      { failures: 6, lockedUntil: new Date(START.getTime() + 90_000) },
      new Date(),
      DEFAULT_PASSWORD_THROTTLE,
    );
    if (gate.allowed) throw new Error('expected a delay');
    expect(describeRetry(gate, new Date(), 'attempts')).toBe(
      'Too many failed attempts. Try again in 2 minutes.',
    );
  });
});
