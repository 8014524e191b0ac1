import { describe, expect, it } from '@jest/globals';
import {
  ACR_MULTI_FACTOR,
  ACR_SINGLE_FACTOR,
  ACR_VALUES,
  authenticationContext,
  requestsMultiFactor,
  satisfiesMultiFactor,
} from './auth-context.ts';

describe('auth context', () => {
  it('lists both acr values, single first', () => {
    expect(ACR_VALUES).toEqual(['urn:twofold:acr:single-factor', 'urn:twofold:acr:multi-factor']);
  });

  it('maps each second factor to amr and acr', () => {
    expect(authenticationContext(null)).toEqual({ amr: ['pwd'], acr: ACR_SINGLE_FACTOR });
    expect(authenticationContext('otp')).toEqual({
      amr: ['pwd', 'otp', 'mfa'],
      acr: ACR_MULTI_FACTOR,
    });
    expect(authenticationContext('recovery_code')).toEqual({
      amr: ['pwd', 'otp', 'mfa'],
      acr: ACR_MULTI_FACTOR,
    });
    expect(authenticationContext('remembered_browser')).toEqual({
      amr: ['pwd', 'mfa'],
      acr: ACR_MULTI_FACTOR,
    });
  });

  it('recognises a multi-factor session', () => {
    expect(satisfiesMultiFactor(['pwd', 'otp', 'mfa'])).toBe(true);
    expect(satisfiesMultiFactor(['pwd', 'mfa'])).toBe(true);
    expect(satisfiesMultiFactor(['pwd'])).toBe(false);
    expect(satisfiesMultiFactor(['pwd', 'otp'])).toBe(false);
    expect(satisfiesMultiFactor(undefined)).toBe(false);
  });

  it('reads a multi-factor request from acr_values', () => {
    expect(requestsMultiFactor(ACR_MULTI_FACTOR)).toBe(true);
    expect(requestsMultiFactor(`${ACR_SINGLE_FACTOR}  ${ACR_MULTI_FACTOR}`)).toBe(true);
    expect(requestsMultiFactor(ACR_SINGLE_FACTOR)).toBe(false);
    expect(requestsMultiFactor(`${ACR_MULTI_FACTOR}x`)).toBe(false);
    expect(requestsMultiFactor('')).toBe(false);
    expect(requestsMultiFactor(undefined)).toBe(false);
  });
});
