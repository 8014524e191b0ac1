import type { SecondFactor } from '../domain/auth-context.ts';
import type { Requirement } from './requirement.ts';

/**
 * Where a sign-in stands after the password was accepted. The provider receives a login result
 * only in `done`, so a password alone never completes a sign-in that owes more (node-oidc-provider
 * issue #661: "ideally you don't resolve login before MFA is resolved").
 */
export type SignInStep =
  | { step: 'done'; second: SecondFactor | null }
  | { step: 'code' }
  | { step: 'enroll'; because: 'role' | 'client' | 'admin' }
  | { step: 'remind'; until: Date }
  | { step: 'unmet' };

/** What the browser presented besides the password. */
export interface PresentedFactors {
  /** A valid "Remember this browser?" cookie for this user's current authenticator. */
  rememberedBrowser: boolean;
}

/**
 * The transition out of the password step (docs/signin.md): finish, ask for the code (a
 * remembered browser stands in for it), lead into mandatory enrollment, remind of a grace
 * period's deadline, or refuse.
 */
export function afterPassword(requirement: Requirement, presented: PresentedFactors): SignInStep {
  switch (requirement.kind) {
    case 'password':
      return { step: 'done', second: null };
    case 'second-factor':
      return presented.rememberedBrowser
        ? { step: 'done', second: 'remembered_browser' }
        : { step: 'code' };
    case 'enroll':
      return { step: 'enroll', because: requirement.because };
    case 'remind':
      return { step: 'remind', until: requirement.until };
    case 'unmet':
      return { step: 'unmet' };
  }
}

/** The transition out of the code step: only a correct code finishes it. */
export function afterCode(correct: boolean): SignInStep {
  return correct ? { step: 'done', second: 'otp' } : { step: 'code' };
}

/** The transition out of enrollment: a confirmed authenticator finishes it with its code. */
export function afterEnrollment(
  confirmed: boolean,
  because: 'role' | 'client' | 'admin',
): SignInStep {
  return confirmed ? { step: 'done', second: 'otp' } : { step: 'enroll', because };
}
