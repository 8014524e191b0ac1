import { AppError } from '../domain/errors.ts';
import type { Store } from '../store/index.ts';
import type { ProviderSessionRecord } from '../store/repos/oidc-sessions.repo.ts';
import type { SessionSighting } from '../store/repos/session-activity.repo.ts';
import type { User } from '../store/repos/users.repo.ts';
import { endAllSessions } from './account-security.ts';
import type { Actor, AuditTrail } from './audit.ts';

/** One signed-in (single sign-on) session of a user, as their Profile shows it. */
export interface SessionView {
  /** The provider session's uid: what "Sign out" names. */
  uid: string;
  /** "Firefox on Windows": a label, never the raw User-Agent header. */
  browser: string;
  /** Client address of the session's last sign-in to an app. */
  ip: string;
  /** When the password was last typed in this session; null when the provider did not say. */
  signedInAt: Date | null;
  lastActiveAt: Date;
  /** The apps it signed in to, by name ("Account" is the account and admin pages). */
  apps: string[];
  /** True for the session of the browser that asks. */
  current: boolean;
}

/** Newest sign-in first; sessions of the same moment, most recently active first. */
function newestFirst(a: SessionView, b: SessionView): number {
  const signedIn = (b.signedInAt?.getTime() ?? 0) - (a.signedInAt?.getTime() ?? 0);
  return signedIn || b.lastActiveAt.getTime() - a.lastActiveAt.getTime();
}

/**
 * A user's single sign-on sessions: which are live, where they are used from, and ending them,
 * one ("Sign out" on Profile) or all ("Sign out everywhere", by the user or an admin). Ending a
 * session also revokes the grants of its sign-ins, so the refresh tokens apps hold from it stop
 * working; remembered browsers are a second factor, not a session, and stay unless asked.
 */
export function sessionsService(deps: { store: Store; audit: AuditTrail }) {
  const { store, audit } = deps;

  async function mustFindUser(userId: string): Promise<User> {
    const user = await store.users.findById(userId);
    if (!user) throw new AppError('not_found', 'No such user.');
    return user;
  }

  /** Client names of these ids, each client read once (by `_id`). */
  async function appNames(sessions: ProviderSessionRecord[]): Promise<Map<string, string>> {
    const ids = [...new Set(sessions.flatMap((s) => s.clientIds))];
    const clients = await Promise.all(ids.map((id) => store.clients.find(id)));
    return new Map(ids.map((id, i) => [id, clients[i]?.client_name ?? id]));
  }

  function toView(
    sighting: SessionSighting,
    session: ProviderSessionRecord,
    names: Map<string, string>,
    currentUid: string | null,
  ): SessionView {
    return {
      uid: session.uid,
      browser: sighting.browser,
      ip: sighting.ip,
      signedInAt: session.loginTs === undefined ? null : new Date(session.loginTs * 1000),
      lastActiveAt: sighting.lastActiveAt,
      apps: session.clientIds.map((id) => names.get(id) ?? id),
      current: session.uid === currentUid,
    };
  }

  return {
    /**
     * The user's live sessions, newest sign-in first; `currentUid` is the provider session of
     * the browser asking (marked `current`). Sessions that ended on their own (expired, signed
     * out at an app) are dropped from the record as they are found.
     */
    async list(userId: string, currentUid: string | null): Promise<SessionView[]> {
      const sightings = await store.sessionActivity.list(userId);
      const found = await Promise.all(sightings.map((s) => store.oidcSessions.findByUid(s.uid)));
      const live = sightings.flatMap((sighting, i) => {
        const session = found[i];
        return session?.accountId === userId ? [{ sighting, session }] : [];
      });
      if (live.length < sightings.length) {
        const kept = new Set(live.map(({ sighting }) => sighting.uid));
        await store.sessionActivity.forget(
          userId,
          sightings.filter((s) => !kept.has(s.uid)).map((s) => s.uid),
        );
      }
      const names = await appNames(live.map(({ session }) => session));
      return live
        .map(({ sighting, session }) => toView(sighting, session, names, currentUid))
        .sort(newestFirst);
    },

    /**
     * Ends one of the user's sessions and the grants of its sign-ins (their refresh and access
     * tokens stop working). A session of someone else, or none, is `not_found`: nothing ends.
     */
    async signOut(userId: string, uid: string, actor: Actor): Promise<void> {
      const user = await mustFindUser(userId);
      const session = await store.oidcSessions.findByUid(uid);
      if (session?.accountId !== userId) throw new AppError('not_found', 'No such session.');
      await store.oidcSessions.end(session);
      await store.sessionActivity.forget(userId, [uid]);
      await audit.record(
        actor,
        'session.sign_out',
        { type: 'user', id: userId, label: user.email },
        'success',
        { by: 'self' },
      );
    },

    /**
     * Ends every session, grant and refresh token of the user, and their account and admin page
     * sessions; their remembered browsers only with `forgetBrowsers`. Done by the user themself
     * or by an administrator (`actor`).
     */
    async signOutEverywhere(
      userId: string,
      actor: Actor,
      options: { forgetBrowsers: boolean },
    ): Promise<void> {
      const user = await mustFindUser(userId);
      await endAllSessions(store, userId, { forgetBrowsers: options.forgetBrowsers });
      await audit.record(
        actor,
        'session.sign_out_everywhere',
        { type: 'user', id: userId, label: user.email },
        'success',
        { by: actor.id === userId ? 'self' : 'admin', forgotBrowsers: options.forgetBrowsers },
      );
    },
  };
}

export type SessionsService = ReturnType<typeof sessionsService>;
