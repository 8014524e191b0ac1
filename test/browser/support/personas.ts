import { timeStep, totpCodeAt } from '../../../src/domain/totp.ts';
import type { RunningServer } from '../../../src/server.ts';
import { createUser } from '../../support/fixtures.ts';
import { Authenticator } from '../../support/two-factor.ts';
import type { Person } from './flows.ts';
import type { WidthName } from './widths.ts';

/**
 * A fixed email per person and width (each width walks its own users through the same pages):
 * `ada@example.com` on the desktop, `ada+phone@example.com` on the phone. Fixed names and
 * emails keep the screenshots the same from run to run.
 */
export function emailFor(width: WidthName, local: string): string {
  return width === 'desktop' ? `${local}@example.com` : `${local}+${width}@example.com`;
}

/** A password strong enough for the policy, the same for every test person. */
export const PASSWORD = 'Twofold-demo-passphrase-1';

/** Creates a user who can sign in with {@link PASSWORD}. */
export async function createPerson(
  op: RunningServer,
  width: WidthName,
  input: { local: string; name: string; roleIds?: string[]; groupIds?: string[] },
): Promise<Person & { id: string }> {
  const user = await createUser(op, {
    email: emailFor(width, input.local),
    name: input.name,
    password: PASSWORD,
    roleIds: input.roleIds ?? [],
    groupIds: input.groupIds ?? [],
  });
  return { id: user.id, email: user.email, password: PASSWORD };
}

/**
 * Turns 2FA on for a user as if they had set it up from Profile (with their ten recovery
 * codes): their authenticator app, which will not reuse the time step used to set it up.
 */
export async function turnOnTwoFactor(
  op: RunningServer,
  userId: string,
  window: number,
): Promise<Authenticator> {
  const user = await op.store.users.findById(userId);
  if (!user) throw new Error('no such user');
  const channel = `test:${userId}`;
  const screen = await op.services.totp.begin(user, channel);
  const now = Date.now();
  const result = await op.services.twoFactor.enable(
    user,
    channel,
    totpCodeAt(screen.secret, now),
    { ip: '127.0.0.1', userAgent: undefined },
    'profile',
  );
  if (!result.ok) throw new Error(`enrollment failed: ${result.message}`);
  const app = new Authenticator(screen.secret, window);
  app.lastStep = timeStep(now);
  app.recoveryCodes = result.recoveryCodes;
  return app;
}
