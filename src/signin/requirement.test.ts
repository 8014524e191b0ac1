import { describe, expect, it } from '@jest/globals';
import { ACR_MULTI_FACTOR, ACR_SINGLE_FACTOR } from '../domain/auth-context.ts';
import {
  needsSecondFactor,
  sessionMeets,
  signInRequirement,
  type AccountFacts,
  type RequestFacts,
} from './requirement.ts';

const plain: AccountFacts = {
  hasSecondFactor: false,
  enforcedByRole: false,
  graceUntil: null,
  isAdmin: false,
};
const now = new Date('2026-11-23T12:00:00Z');
const tomorrow = new Date('2026-11-24T12:00:00Z');
const yesterday = new Date('2026-11-22T12:00:00Z');
const none: RequestFacts = { clientRequiresMfa: false };
const essentialMulti = { acrClaim: { essential: true, value: ACR_MULTI_FACTOR } };

describe('signInRequirement', () => {
  it.each<[string, Partial<AccountFacts>, Partial<RequestFacts>, string]>([
    ['nothing asked, nothing enforced', {}, {}, 'password'],
    ['own authenticator', { hasSecondFactor: true }, {}, 'second-factor'],
    [
      'own authenticator, enforced too',
      { hasSecondFactor: true, enforcedByRole: true },
      {},
      'second-factor',
    ],
    ['role enforces, not set up', { enforcedByRole: true }, {}, 'enroll'],
    ['client requires, not set up', {}, { clientRequiresMfa: true }, 'enroll'],
    ['admin, not set up', { isAdmin: true }, {}, 'enroll'],
    [
      'voluntary acr_values multi-factor, not set up',
      {},
      { acrValues: ACR_MULTI_FACTOR },
      'password',
    ],
    [
      'voluntary acr_values, own authenticator',
      { hasSecondFactor: true },
      { acrValues: ACR_MULTI_FACTOR },
      'second-factor',
    ],
    ['essential acr multi-factor, not set up', {}, essentialMulti, 'unmet'],
    [
      'essential acr values [multi], not set up',
      {},
      { acrClaim: { essential: true, values: [ACR_MULTI_FACTOR] } },
      'unmet',
    ],
    [
      'essential acr values [single, multi]',
      {},
      { acrClaim: { essential: true, values: [ACR_SINGLE_FACTOR, ACR_MULTI_FACTOR] } },
      'password',
    ],
    [
      'essential acr unknown value',
      {},
      { acrClaim: { essential: true, value: 'urn:other' } },
      'unmet',
    ],
    ['non-essential acr claim', {}, { acrClaim: { value: ACR_MULTI_FACTOR } }, 'password'],
    [
      'essential acr multi, own authenticator',
      { hasSecondFactor: true },
      essentialMulti,
      'second-factor',
    ],
    ['essential acr multi, role enforces', { enforcedByRole: true }, essentialMulti, 'enroll'],
    ['role enforces, in grace', { enforcedByRole: true, graceUntil: tomorrow }, {}, 'remind'],
    ['role enforces, grace over', { enforcedByRole: true, graceUntil: yesterday }, {}, 'enroll'],
    ['role enforces, grace ends now', { enforcedByRole: true, graceUntil: now }, {}, 'enroll'],
    [
      'in grace, but the client requires MFA',
      { enforcedByRole: true, graceUntil: tomorrow },
      { clientRequiresMfa: true },
      'enroll',
    ],
    [
      'in grace, but an admin',
      { enforcedByRole: true, graceUntil: tomorrow, isAdmin: true },
      {},
      'enroll',
    ],
    [
      'in grace, but the request insists on multi-factor',
      { enforcedByRole: true, graceUntil: tomorrow },
      essentialMulti,
      'enroll',
    ],
    [
      'in grace, own authenticator',
      { enforcedByRole: true, graceUntil: tomorrow, hasSecondFactor: true },
      {},
      'second-factor',
    ],
  ])('%s → %s', (_name, account, request, kind) => {
    expect(signInRequirement({ ...plain, ...account }, { ...none, ...request }, now).kind).toBe(
      kind,
    );
  });

  it('says why enrollment is mandatory, role first', () => {
    expect(
      signInRequirement(
        { ...plain, enforcedByRole: true, isAdmin: true },
        { clientRequiresMfa: true },
        now,
      ),
    ).toEqual({
      kind: 'enroll',
      because: 'role',
    });
    expect(
      signInRequirement({ ...plain, isAdmin: true }, { clientRequiresMfa: true }, now),
    ).toEqual({
      kind: 'enroll',
      because: 'client',
    });
  });

  it('reminds with the deadline while the grace period lasts', () => {
    expect(
      signInRequirement({ ...plain, enforcedByRole: true, graceUntil: tomorrow }, none, now),
    ).toEqual({ kind: 'remind', until: tomorrow });
  });
});

describe('needsSecondFactor and sessionMeets', () => {
  const password = signInRequirement(plain, none, now);
  const code = signInRequirement({ ...plain, hasSecondFactor: true }, none, now);
  const enroll = signInRequirement({ ...plain, enforcedByRole: true }, none, now);
  const unmet = signInRequirement(plain, { ...none, ...essentialMulti }, now);
  const remind = signInRequirement(
    { ...plain, enforcedByRole: true, graceUntil: tomorrow },
    none,
    now,
  );

  it.each([
    [password, false, true, true],
    [code, true, false, true],
    [enroll, true, false, true],
    [unmet, false, false, true],
    [remind, false, true, true],
  ])(
    '%o: needs a factor %s; password session meets it %s; mfa session %s',
    (req, needs, pwd, mfa) => {
      expect(needsSecondFactor(req)).toBe(needs);
      expect(sessionMeets(req, ['pwd'])).toBe(pwd);
      expect(sessionMeets(req, ['pwd', 'otp', 'mfa'])).toBe(mfa);
      expect(sessionMeets(req, undefined)).toBe(pwd);
    },
  );
});
