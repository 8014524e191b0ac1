import { ACR_SINGLE_FACTOR, ACR_VALUES } from '../domain/auth-context.ts';

/** What the user's account and roles say, independent of the request. */
export interface AccountFacts {
  /** The user has a second factor they can use now (an authenticator app). */
  hasSecondFactor: boolean;
  /** A role of theirs, directly or through a group, enforces 2FA. */
  enforcedByRole: boolean;
  /** Until when the enforcing roles' grace period lets them sign in without 2FA, if at all. */
  graceUntil: Date | null;
  /** They may use the admin area (admins always need two factors). */
  isAdmin: boolean;
}

/** The `acr` member of the `claims` request parameter for the ID token (OIDC Core 5.5.1.1). */
export interface AcrClaimRequest {
  essential?: boolean;
  value?: string;
  values?: string[];
}

/** What the authorization request and its client ask for. */
export interface RequestFacts {
  /** The client is registered with `require_mfa`. */
  clientRequiresMfa: boolean;
  /** `acr_values`: voluntary, space-separated, in order of preference (OIDC Core 3.1.2.1). */
  acrValues?: string | undefined;
  /** `claims.id_token.acr`, possibly essential. */
  acrClaim?: AcrClaimRequest | undefined;
}

/** Why a sign-in must or may not stop at the password. */
export type Requirement =
  /** Nothing beyond the password. */
  | { kind: 'password'; acr: typeof ACR_SINGLE_FACTOR }
  /** The user has a second factor and must pass it. */
  | { kind: 'second-factor'; because: 'own' }
  /** The user has none and must set one up now, under on-screen instructions. */
  | { kind: 'enroll'; because: 'role' | 'client' | 'admin' }
  /**
   * A role demands 2FA but its grace period runs until `until`: the user is reminded, may set it
   * up now, and otherwise signs in with the password alone.
   */
  | { kind: 'remind'; until: Date }
  /**
   * The request insists (essential `acr`) on what this user cannot give, and a sign-in does not
   * set up a factor for a mere request: the relying party gets
   * `unmet_authentication_requirements`.
   */
  | { kind: 'unmet' };

/**
 * The `acr` values this request insists on that the provider knows, weakest first; null when it
 * does not insist. An essential request with only unknown values insists on nothing achievable.
 */
function essentialAcrs(claim: AcrClaimRequest | undefined): string[] | null {
  if (!claim?.essential) return null;
  const asked = claim.values ?? (claim.value ? [claim.value] : []);
  if (!asked.length) return null;
  return ACR_VALUES.filter((acr) => asked.includes(acr));
}

/**
 * The requirement of one authorization request for one account (docs/signin.md):
 *
 * - a user who has a second factor always passes it;
 * - a user without one is led into setting one up only when an organisation's rule demands it:
 *   a role (directly or through a group), the client's `require_mfa`, or being an admin; a role's
 *   grace period turns its demand into a reminder until the deadline (docs/signin.md), unless
 *   the client or admin status demands it anyway or the request insists on multi-factor;
 * - a relying party's request for multi-factor never leads into enrollment, because whoever knows
 *   the password would then choose the authenticator (the "enrollment hijack"): a voluntary
 *   `acr_values` request is answered with a single-factor sign-in and says so in `acr`; an
 *   essential `acr` request that cannot be met ends with `unmet_authentication_requirements`.
 */
export function signInRequirement(
  account: AccountFacts,
  request: RequestFacts,
  now: Date,
): Requirement {
  if (account.hasSecondFactor) return { kind: 'second-factor', because: 'own' };
  const essential = essentialAcrs(request.acrClaim);
  const insistsOnMfa = essential !== null && !essential.includes(ACR_SINGLE_FACTOR);
  if (account.enforcedByRole) {
    const graceUntil = account.graceUntil;
    const inGrace = graceUntil !== null && graceUntil.getTime() > now.getTime();
    if (!inGrace || request.clientRequiresMfa || account.isAdmin || insistsOnMfa) {
      return { kind: 'enroll', because: 'role' };
    }
    return { kind: 'remind', until: graceUntil };
  }
  if (request.clientRequiresMfa) return { kind: 'enroll', because: 'client' };
  if (account.isAdmin) return { kind: 'enroll', because: 'admin' };
  if (insistsOnMfa) return { kind: 'unmet' };
  return { kind: 'password', acr: ACR_SINGLE_FACTOR };
}

/** Whether the requirement can only be met with a second factor in this sign-in. */
export function needsSecondFactor(requirement: Requirement): boolean {
  return requirement.kind === 'second-factor' || requirement.kind === 'enroll';
}

/**
 * Whether an existing session already meets the requirement: a session that passed a second
 * factor (`amr` contains `mfa`, RFC 8176) meets everything; a password-only one meets a password
 * requirement, and a reminder while the grace period lasts.
 */
export function sessionMeets(
  requirement: Requirement,
  amr: readonly string[] | undefined,
): boolean {
  if (amr?.includes('mfa')) return true;
  return requirement.kind === 'password' || requirement.kind === 'remind';
}
