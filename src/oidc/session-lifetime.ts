/** The two limits of a single sign-on session, in seconds. */
export interface SessionLimits {
  idleSeconds: number;
  maxSeconds: number;
}

/**
 * How long a session may live from now (node-oidc-provider's `ttl.Session`, recomputed each
 * time the session is saved, that is at every request that uses it): the idle timeout, but never
 * past `maxSeconds` after the password was typed (`loginTs`), so activity extends a session only
 * up to its absolute lifetime. At least one second, as the provider requires a positive TTL.
 */
export function sessionTtlSeconds(
  limits: SessionLimits,
  loginTs: number | undefined,
  nowSeconds = Math.floor(Date.now() / 1000),
): number {
  const absoluteLeft =
    loginTs === undefined ? limits.maxSeconds : loginTs + limits.maxSeconds - nowSeconds;
  return Math.max(1, Math.min(limits.idleSeconds, absoluteLeft));
}
