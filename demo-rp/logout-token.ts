import { createRemoteJWKSet, errors, jwtVerify, type JWTPayload } from 'jose';

/** The event a logout token must carry (Back-Channel Logout 1.0 section 2.4). */
export const BACKCHANNEL_LOGOUT_EVENT = 'http://schemas.openid.net/event/backchannel-logout';

/** Logout tokens issued longer ago than this are refused (`iat`, section 2.6 step 3). */
const MAX_TOKEN_AGE_SECONDS = 5 * 60;
/** Clock skew allowed between the provider and this app. */
const CLOCK_TOLERANCE_SECONDS = 30;

/** Who a valid logout token signs out: the user (`sub`), their provider session (`sid`), or both. */
export interface LogoutTarget {
  sub: string | undefined;
  sid: string | undefined;
}

/** A logout token that failed validation; its message says which check (never the token). */
export class LogoutTokenError extends Error {
  override name = 'LogoutTokenError';
}

/** What the verifier needs to know about the provider and this app. */
export interface LogoutTokenContext {
  issuer: string;
  clientId: string;
  jwksUri: string;
}

type KeySet = ReturnType<typeof createRemoteJWKSet>;

const optionalString = (payload: JWTPayload, claim: string): string | undefined => {
  const value = payload[claim];
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || value === '') {
    throw new LogoutTokenError(`the "${claim}" claim is not a string`);
  }
  return value;
};

function hasLogoutEvent(events: unknown): boolean {
  return (
    typeof events === 'object' &&
    events !== null &&
    !Array.isArray(events) &&
    BACKCHANNEL_LOGOUT_EVENT in events &&
    typeof (events as Record<string, unknown>)[BACKCHANNEL_LOGOUT_EVENT] === 'object'
  );
}

/**
 * Validates logout tokens as OpenID Connect Back-Channel Logout 1.0 section 2.6 asks: signed
 * with a key of the provider's JWKS (fetched from its `jwks_uri`, cached, re-fetched for an
 * unknown `kid`), explicitly typed `logout+jwt` (section 2.4), `iss` the provider, `aud` this
 * client, `iat` recent and `exp` not passed, a `jti`, an `events` object holding the
 * back-channel logout event, `sub` or `sid` (or both), and no `nonce` (so an ID token can never
 * pass for one). A `jti` seen before is refused (step 6): a captured token cannot be replayed.
 */
export class LogoutTokenVerifier {
  readonly #context: LogoutTokenContext;
  readonly #keys: KeySet;
  /** `jti` → when to forget it (the token's `exp`, after which it is refused anyway). */
  readonly #seen = new Map<string, number>();

  constructor(context: LogoutTokenContext) {
    this.#context = context;
    this.#keys = createRemoteJWKSet(new URL(context.jwksUri));
  }

  /** The session(s) the token signs out, or a LogoutTokenError saying why it is refused. */
  async verify(token: string, now = Date.now()): Promise<LogoutTarget> {
    const payload = await this.#checkJwt(token, now);
    if (!hasLogoutEvent(payload['events'])) {
      throw new LogoutTokenError(`the "events" claim lacks ${BACKCHANNEL_LOGOUT_EVENT}`);
    }
    if ('nonce' in payload) throw new LogoutTokenError('a logout token must not carry "nonce"');
    const sub = optionalString(payload, 'sub');
    const sid = optionalString(payload, 'sid');
    if (sub === undefined && sid === undefined) {
      throw new LogoutTokenError('the token names neither "sub" nor "sid"');
    }
    const { jti } = payload;
    if (typeof jti !== 'string' || jti === '') throw new LogoutTokenError('"jti" is not a string');
    this.#forgetExpired(now);
    if (this.#seen.has(jti)) throw new LogoutTokenError('this logout token was already used');
    this.#seen.set(jti, ((payload.exp ?? 0) + CLOCK_TOLERANCE_SECONDS) * 1000);
    return { sub, sid };
  }

  async #checkJwt(token: string, now: number): Promise<JWTPayload> {
    try {
      const { payload } = await jwtVerify(token, this.#keys, {
        issuer: this.#context.issuer,
        audience: this.#context.clientId,
        typ: 'logout+jwt',
        requiredClaims: ['iat', 'exp', 'jti', 'events'],
        maxTokenAge: MAX_TOKEN_AGE_SECONDS,
        clockTolerance: CLOCK_TOLERANCE_SECONDS,
        currentDate: new Date(now),
      });
      return payload;
    } catch (error) {
      if (error instanceof errors.JOSEError) throw new LogoutTokenError(error.message);
      throw error;
    }
  }

  #forgetExpired(now: number): void {
    for (const [jti, until] of this.#seen) if (until <= now) this.#seen.delete(jti);
  }
}
