import { randomBytes } from 'node:crypto';
import type { IDToken, UserInfoResponse } from 'openid-client';

/** What the RP remembers about a signed-in user. */
export interface RpSession {
  claims: IDToken;
  userinfo: UserInfoResponse;
  idToken: string;
  expiresAt: number;
}

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
  create(data: Omit<RpSession, 'expiresAt'>, now = Date.now()): string {
    this.#purge(now);
    const id = randomBytes(32).toString('base64url');
    this.#sessions.set(id, { ...data, expiresAt: now + SESSION_TTL_MS });
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
