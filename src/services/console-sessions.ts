import { randomBytes } from 'node:crypto';
import type { Store } from '../store/index.ts';
import type { User } from '../store/repos/users.repo.ts';

/** How the person at the account and admin pages signed in. */
export interface ConsoleSession {
  sub: string;
  authTime: number;
  amr: string[];
}

/** The provider SSO session a console request comes with (src/web/console/provider-session.ts). */
export interface RidingOn {
  uid: string;
  accountId: string;
}

/** Activity is written at most this often (each write costs a database round trip). */
const TOUCH_EVERY_MS = 60_000;

/**
 * Console sessions: the account and admin pages' own session, server-side so that signing out
 * revokes it, bound to the provider SSO session it was created in. A console session is valid
 * only while that SSO session exists in the same browser with the same account, the user is
 * enabled and their `sessionEpoch` unchanged, it has been used within the idle timeout, and its
 * absolute lifetime has not passed (`SESSION_IDLE_MINUTES`, `SESSION_MAX_HOURS`).
 */
export function consoleSessionService(deps: {
  store: Store;
  limits: { idleSeconds: number; maxSeconds: number };
}) {
  const { store, limits } = deps;
  return {
    /** Starts a console session for `user` on SSO session `ridingOn`; the cookie value. */
    async start(
      user: User,
      ridingOn: RidingOn,
      signIn: { authTime: number; amr: string[] },
    ): Promise<string> {
      const token = randomBytes(32).toString('base64url');
      const now = new Date();
      await store.consoleSessions.create(token, {
        userId: user.id,
        providerSessionUid: ridingOn.uid,
        sessionEpoch: user.sessionEpoch,
        authTime: signIn.authTime,
        amr: signIn.amr,
        createdAt: now,
        lastSeenAt: now,
        expiresAt: new Date(signIn.authTime * 1000 + limits.maxSeconds * 1000),
      });
      return token;
    },

    /**
     * The user and session behind `token` if still valid with `ridingOn`, else null (and an
     * invalid session is deleted). `active` says that this request counted as activity, so the
     * caller extends the SSO session too.
     */
    async resolve(
      token: string,
      ridingOn: RidingOn | null,
    ): Promise<{ user: User; session: ConsoleSession; active: boolean } | null> {
      const record = await store.consoleSessions.find(token);
      if (!record) return null;
      const now = Date.now();
      const user =
        ridingOn?.uid === record.providerSessionUid && ridingOn.accountId === record.userId
          ? await store.users.findById(record.userId)
          : null;
      const valid =
        user !== null &&
        !user.disabled &&
        user.sessionEpoch === record.sessionEpoch &&
        record.expiresAt.getTime() > now &&
        now - record.lastSeenAt.getTime() < limits.idleSeconds * 1000;
      if (!valid || !user) {
        await store.consoleSessions.delete(token);
        return null;
      }
      const active = now - record.lastSeenAt.getTime() >= TOUCH_EVERY_MS;
      if (active) await store.consoleSessions.touch(token, new Date(now));
      return {
        user,
        session: { sub: user.id, authTime: record.authTime, amr: record.amr },
        active,
      };
    },

    /** Signs the console session out: the cookie value stops working everywhere at once. */
    async end(token: string): Promise<void> {
      await store.consoleSessions.delete(token);
    },
  };
}

export type ConsoleSessionService = ReturnType<typeof consoleSessionService>;
