import { randomBytes } from 'node:crypto';
import type { IDToken, UserInfoResponse } from 'openid-client';

/** What the RP remembers about a signed-in user. */
export interface RpSession {
  claims: IDToken;
  userinfo: UserInfoResponse;
  idToken: string;
  /** The user, from the ID token. */
  sub: string;
  /**
   * The provider's session id for this app, from the ID token's `sid` (present when the client is
   * registered with `backchannel_logout_session_required`): what a logout token names.
   */
  sid: string | undefined;
  expiresAt: number;
}

/** What a sign-in hands to the store; `sub` and `sid` are read from the ID token claims. */
export type NewRpSession = Omit<RpSession, 'expiresAt' | 'sub' | 'sid'>;

/** Sessions older than this are forgotten even if the cookie is still presented. */
const SESSION_TTL_MS = 8 * 60 * 60 * 1000;

/**
 * In-memory session map keyed by a 256-bit random id. Enough for a demo: sessions vanish on
 * restart, which only means signing in again (the provider's SSO session usually makes that
 * silent). Expired entries are purged lazily on each write.
 */
export class SessionStore {
  readonly #sessions = new Map<string, RpSession>();

  /** Stores a new session and returns its id (to be put in a signed cookie). */
  create(data: NewRpSession, now = Date.now()): string {
    this.#purge(now);
    const id = randomBytes(32).toString('base64url');
    const { sid } = data.claims;
    this.#sessions.set(id, {
      ...data,
      sub: data.claims.sub,
      sid: typeof sid === 'string' ? sid : undefined,
      expiresAt: now + SESSION_TTL_MS,
    });
    return id;
  }

  /** Returns the live session for an id, or undefined when unknown or expired. */
  get(id: string | undefined, now = Date.now()): RpSession | undefined {
    if (!id) return undefined;
    const session = this.#sessions.get(id);
    if (!session) return undefined;
    if (session.expiresAt <= now) {
      this.#sessions.delete(id);
      return undefined;
    }
    return session;
  }

  /** Forgets a session (sign-out). */
  delete(id: string | undefined): void {
    if (id) this.#sessions.delete(id);
  }

  /**
   * Ends the sessions a back-channel logout names (Back-Channel Logout 1.0 section 2.7) and
   * returns how many: with `sid`, the session(s) of that provider session (a session stored
   * without a `sid` is matched by `sub` when the token has one); with only `sub`, every session
   * of that user. When both are given they must both agree.
   */
  endMatching(target: { sub: string | undefined; sid: string | undefined }): number {
    let ended = 0;
    for (const [id, session] of this.#sessions) {
      if (matches(session, target)) {
        this.#sessions.delete(id);
        ended++;
      }
    }
    return ended;
  }

  /** Number of stored sessions, for tests. */
  get size(): number {
    return this.#sessions.size;
  }

  #purge(now: number): void {
    for (const [id, session] of this.#sessions) {
      if (session.expiresAt <= now) this.#sessions.delete(id);
    }
  }
}

function matches(
  session: RpSession,
  { sub, sid }: { sub: string | undefined; sid: string | undefined },
): boolean {
  if (sub !== undefined && session.sub !== sub) return false;
  if (sid === undefined) return sub !== undefined;
  if (session.sid !== undefined) return session.sid === sid;
  return sub !== undefined;
}
