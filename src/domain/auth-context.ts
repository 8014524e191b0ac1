/** `acr` for a sign-in with the password only. Documented in the discovery document's `acr_values_supported`. */
export const ACR_SINGLE_FACTOR = 'urn:twofold:acr:single-factor';
/** `acr` for a sign-in with password plus a second factor. */
export const ACR_MULTI_FACTOR = 'urn:twofold:acr:multi-factor';
/** Every `acr` this provider issues, weakest first (OIDC Discovery `acr_values_supported`). */
export const ACR_VALUES = [ACR_SINGLE_FACTOR, ACR_MULTI_FACTOR] as const;

/** How the second factor was satisfied in this session, if at all. */
export type SecondFactor = 'otp' | 'recovery_code' | 'remembered_browser';

/**
 * The `amr` (RFC 8176) and `acr` claims for a finished sign-in, kept honest about what happened:
 * a recovery code is a second factor but not the authenticator, so it yields `recovery_code`
 * (our own value, documented in the README) instead of `otp`; a remembered browser is the
 * possession factor, but no code was entered this time, so it yields `mfa` without `otp`.
 */
export function authenticationContext(second: SecondFactor | null): { amr: string[]; acr: string } {
  switch (second) {
    case null:
      return { amr: ['pwd'], acr: ACR_SINGLE_FACTOR };
    case 'otp':
      return { amr: ['pwd', 'otp', 'mfa'], acr: ACR_MULTI_FACTOR };
    case 'recovery_code':
      return { amr: ['pwd', 'recovery_code', 'mfa'], acr: ACR_MULTI_FACTOR };
    case 'remembered_browser':
      return { amr: ['pwd', 'mfa'], acr: ACR_MULTI_FACTOR };
  }
}
