/**
 * What a relying party's `backchannel_logout_uri` may be (OpenID Connect Back-Channel Logout 1.0,
 * section 2.2): an absolute URI, `https` or `http`, with a host, without a fragment. We also
 * refuse credentials in it: the provider would send them with every logout token.
 */
export const BACKCHANNEL_LOGOUT_URI_RULE =
  'must be an absolute http(s) URL without a fragment or credentials, e.g. https://app.example.com/backchannel-logout';

/** True when `value` may be registered as a `backchannel_logout_uri` (see the rule above). */
export function isBackchannelLogoutUri(value: string): boolean {
  if (!URL.canParse(value)) return false;
  const url = new URL(value);
  return (
    (url.protocol === 'https:' || url.protocol === 'http:') &&
    url.hostname !== '' &&
    !value.includes('#') &&
    url.username === '' &&
    url.password === ''
  );
}
