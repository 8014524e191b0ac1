/**
 * Cookie names that browsers protect on https (RFC 6265bis section 4.1.3): a `__Host-` cookie
 * is accepted only with Secure, `Path=/` and no Domain, so neither a sibling subdomain nor a
 * plain-http page can plant or overwrite it (session fixation); a `__Secure-` cookie only
 * with Secure, for cookies scoped to a narrower path. On http (development) the plain name is
 * used, since browsers refuse prefixed cookies without Secure.
 */
export function hostCookieName(name: string, secure: boolean): string {
  return secure ? `__Host-${name}` : name;
}

/** `__Secure-<name>` on https, for a cookie scoped to a path (which `__Host-` forbids). */
export function secureCookieName(name: string, secure: boolean): string {
  return secure ? `__Secure-${name}` : name;
}

/**
 * The provider's own cookies (node-oidc-provider `cookies.names`): the SSO session is on
 * `Path=/` and gets `__Host-`; the interaction and resume cookies are scoped to
 * `/interaction/<uid>` and `/auth/<uid>`, so they can only be `__Secure-`. On http the
 * provider's default names stay, so development sessions survive an upgrade.
 */
export function providerCookieNames(secure: boolean): {
  session: string;
  interaction: string;
  resume: string;
} {
  if (!secure) {
    return { session: '_session', interaction: '_interaction', resume: '_interaction_resume' };
  }
  return {
    session: hostCookieName('session', true),
    interaction: secureCookieName('interaction', true),
    resume: secureCookieName('interaction_resume', true),
  };
}
