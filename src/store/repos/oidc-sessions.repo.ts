import { endedSessions } from '../ended-sessions.ts';
import type { Connection, mongo } from 'mongoose';
import type { Adapter } from 'oidc-provider';
import { oidcCollectionName, restoredKey, storedOidcId, SESSION_BY_UID } from '../oidc-adapter.ts';

/** A live provider SSO session as the store sees it (node-oidc-provider's `Session` payload). */
export interface ProviderSessionRecord {
  uid: string;
  accountId: string;
  /** When the account last typed its password in this session (seconds since the epoch). */
  loginTs: number | undefined;
  /** The clients (apps) this session signed in to. */
  clientIds: string[];
  /** The grants of those sign-ins: their tokens die with them. */
  grantIds: string[];
}

/** A session ended by the store, and the per-app session ids (`sid`) it had. */
export interface EndedSession {
  accountId: string;
  /** clientId → `sid` (OpenID Connect Back-Channel Logout 1.0, section 2.4). */
  sids: Record<string, string>;
}

interface StoredSession {
  _id: string;
  accountId?: string;
  payload?: { authorizations?: Record<string, { sid?: string }> };
}

/** Token models minted under a grant, deleted when the grant is revoked. */
const GRANT_TOKENS = ['AccessToken', 'RefreshToken', 'AuthorizationCode'] as const;

/**
 * Ends single sign-on at the provider: a user's sessions go, and so do their grants, which
 * makes every refresh token and access token minted under them unusable. `sessionAdapter` is the
 * provider's Session adapter (`oidc-adapter.ts`), which answers a session by its uid with an
 * `_id` read.
 */
export function oidcSessionsRepository(connection: Connection, sessionAdapter: Adapter) {
  const collection = (model: string) =>
    (connection.db as mongo.Db).collection<{ _id: string; grantId?: string }>(
      oidcCollectionName(model),
    );
  const ended = endedSessions(connection.db as mongo.Db);
  const listeners: Array<(sessions: EndedSession[]) => Promise<void>> = [];

  /** Deletes every token minted under these grants (scans `grantId`; off the hot path). */
  async function revokeTokensOf(grantIds: readonly string[]): Promise<void> {
    if (!grantIds.length) return;
    for (const model of GRANT_TOKENS) {
      await collection(model).deleteMany({ grantId: { $in: [...grantIds] } });
    }
  }

  /**
   * Deletes the sessions matching `filter` (both stored copies), remembering them as ended first
   * so that a request still holding one cannot save it back (src/store/ended-sessions.ts).
   */
  async function endSessions(filter: mongo.Filter<{ accountId?: string }>): Promise<void> {
    const sessions = (
      await (connection.db as mongo.Db)
        .collection<StoredSession>(oidcCollectionName('Session'))
        .find(filter as mongo.Filter<StoredSession>, {
          projection: { _id: 1, accountId: 1, 'payload.authorizations': 1 },
        })
        .toArray()
    ).filter((s) => !s._id.startsWith(SESSION_BY_UID));
    await ended.remember(sessions.map((s) => s._id));
    await collection('Session').deleteMany(filter as mongo.Filter<{ _id: string }>);
    const endedSessions = sessions.flatMap((s) =>
      s.accountId ? [{ accountId: s.accountId, sids: sidsOf(s) }] : [],
    );
    for (const listener of listeners) await listener(endedSessions);
  }

  return {
    /**
     * Registers what to do after the store ended sessions itself (not through the provider's
     * end-session endpoint): telling the apps by back-channel logout (src/oidc/backchannel-logout.ts).
     */
    onEnded(listener: (sessions: EndedSession[]) => Promise<void>): void {
      listeners.push(listener);
    },

    async revokeForAccount(accountId: string): Promise<void> {
      const grantIds = (
        await collection('Grant')
          .find({ accountId }, { projection: { grantId: 1 } })
          .toArray()
      ).flatMap((g) => (g.grantId ? [g.grantId] : []));
      await revokeTokensOf(grantIds);
      await collection('Grant').deleteMany({ accountId });
      await endSessions({ accountId });
    },

    /** The signed-in session with this uid, or null (never existed, ended, expired, anonymous). */
    async findByUid(uid: string): Promise<ProviderSessionRecord | null> {
      const payload = await sessionAdapter.findByUid?.(uid);
      if (!payload?.accountId) return null;
      const authorizations = Object.entries(payload.authorizations ?? {});
      return {
        uid,
        accountId: payload.accountId,
        loginTs: payload.loginTs,
        clientIds: authorizations.map(([clientId]) => clientId),
        grantIds: authorizations.flatMap(([, a]) => (a.grantId ? [a.grantId] : [])),
      };
    },

    /**
     * Ends one session: both of its stored copies (by cookie and by uid; found by `payload.uid`,
     * a scan, as the cookie value is not stored), then the grants of its sign-ins, so the
     * refresh tokens that apps hold from it stop working too.
     */
    async end(session: ProviderSessionRecord): Promise<void> {
      await endSessions({ accountId: session.accountId, 'payload.uid': session.uid });
      await revokeTokensOf(session.grantIds);
      for (const grantId of session.grantIds) {
        await collection('Grant').deleteOne({ _id: storedOidcId('Grant', grantId) });
      }
    },
  };
}

export type OidcSessionsRepository = ReturnType<typeof oidcSessionsRepository>;

function sidsOf(session: StoredSession): Record<string, string> {
  const sids: Record<string, string> = {};
  for (const [clientId, authorization] of Object.entries(session.payload?.authorizations ?? {})) {
    if (authorization.sid) sids[restoredKey(clientId)] = authorization.sid;
  }
  return sids;
}
