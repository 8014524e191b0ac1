import { describe, expect, it } from '@jest/globals';
import type { Requirement } from './requirement.ts';
import { afterCode, afterEnrollment, afterPassword, type SignInStep } from './transitions.ts';

const password: Requirement = { kind: 'password', acr: 'urn:twofold:acr:single-factor' };
const secondFactor: Requirement = { kind: 'second-factor', because: 'own' };
const enroll: Requirement = { kind: 'enroll', because: 'role' };
const unmet: Requirement = { kind: 'unmet' };
const until = new Date('2026-12-01T00:00:00Z');
const remind: Requirement = { kind: 'remind', until };

describe('afterPassword', () => {
  it.each<[string, Requirement, boolean, SignInStep]>([
    ['password only', password, false, { step: 'done', second: null }],
    [
      'password only, remembered browser changes nothing',
      password,
      true,
      { step: 'done', second: null },
    ],
    ['second factor owed', secondFactor, false, { step: 'code' }],
    [
      'second factor owed, remembered browser',
      secondFactor,
      true,
      { step: 'done', second: 'remembered_browser' },
    ],
    ['enrollment owed', enroll, false, { step: 'enroll', because: 'role' }],
    [
      'enrollment owed, a remembered browser never skips it',
      enroll,
      true,
      { step: 'enroll', because: 'role' },
    ],
    ['unmet request', unmet, false, { step: 'unmet' }],
    ['grace period running', remind, false, { step: 'remind', until }],
  ])('%s', (_name, requirement, rememberedBrowser, next) => {
    expect(afterPassword(requirement, { rememberedBrowser })).toEqual(next);
  });
});

describe('afterCode and afterEnrollment', () => {
  it('finishes only with a correct code', () => {
    expect(afterCode(true)).toEqual({ step: 'done', second: 'otp' });
    expect(afterCode(false)).toEqual({ step: 'code' });
  });
  it('finishes enrollment only once the authenticator is confirmed', () => {
    expect(afterEnrollment(true, 'client')).toEqual({ step: 'done', second: 'otp' });
    expect(afterEnrollment(false, 'client')).toEqual({ step: 'enroll', because: 'client' });
  });
});
