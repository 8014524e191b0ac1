import { describe, expect, it } from '@jest/globals';
import { sessionTtlSeconds } from './session-lifetime.ts';

const limits = { idleSeconds: 30 * 60, maxSeconds: 10 * 3600 };
const now = 1_800_000_000;

describe('sessionTtlSeconds', () => {
  it('gives an active session the idle timeout from now', () => {
    expect(sessionTtlSeconds(limits, now - 60, now)).toBe(30 * 60);
    expect(sessionTtlSeconds(limits, undefined, now)).toBe(30 * 60);
  });

  it('never extends a session past its absolute lifetime after the password', () => {
    expect(sessionTtlSeconds(limits, now - 10 * 3600 + 600, now)).toBe(600);
    expect(sessionTtlSeconds(limits, now - 10 * 3600, now)).toBe(1);
    expect(sessionTtlSeconds(limits, now - 11 * 3600, now)).toBe(1);
  });
});
