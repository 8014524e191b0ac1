import { describe, expect, it } from '@jest/globals';
import {
  ACR_MULTI_FACTOR,
  ACR_SINGLE_FACTOR,
  ACR_VALUES,
  authenticationContext,
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
      amr: ['pwd', 'recovery_code', 'mfa'],
      acr: ACR_MULTI_FACTOR,
    });
    expect(authenticationContext('remembered_browser')).toEqual({
      amr: ['pwd', 'mfa'],
      acr: ACR_MULTI_FACTOR,
    });
  });
});
