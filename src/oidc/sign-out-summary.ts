import type { KoaContextWithOIDC } from 'oidc-provider';
import type { Store } from '../store/index.ts';

/** What the sign-out confirmation says about the session it is about to end. */
export interface SignOutSummary {
  /** "Pat (pat@example.com)", or the email alone; undefined when the account is gone. */
  who: string | undefined;
  /** The names of the applications the session signed in to, in the order it did. */
  apps: string[];
  /** The same names as one phrase: "Produce, Manage and Account". */
  appList: string;
}

const LIST = new Intl.ListFormat('en-GB', { style: 'long', type: 'conjunction' });

async function clientName(ctx: KoaContextWithOIDC, clientId: string): Promise<string | undefined> {
  try {
    const client = await ctx.oidc.provider.Client.find(clientId);
    return client ? (client.clientName ?? clientId) : undefined;
  } catch {
    // A client whose registration no longer validates is left out, as the provider does.
    return undefined;
  }
}

/**
 * Who is signed in to this browser's session and to which applications (the session's
 * authorizations), so that "Yes, sign me out" is an informed choice.
 */
export async function signOutSummary(
  ctx: KoaContextWithOIDC,
  users: Pick<Store['users'], 'findById'>,
): Promise<SignOutSummary> {
  const { session } = ctx.oidc;
  const user = session?.accountId ? await users.findById(session.accountId) : null;
  const names = await Promise.all(
    Object.keys(session?.authorizations ?? {}).map((id) => clientName(ctx, id)),
  );
  const apps = names.filter((name): name is string => name !== undefined);
  return {
    who: user ? (user.name ? `${user.name} (${user.email})` : user.email) : undefined,
    apps,
    appList: LIST.format(apps),
  };
}
