import { randomBytes } from 'node:crypto';
import type { RunningServer } from '../../src/server.ts';

/** Creates a user directly through the store (as the CLI would) with a strong random password. */
export async function createUser(
  op: RunningServer,
  input: {
    email: string;
    name?: string;
    roleIds?: string[];
    groupIds?: string[];
    password?: string;
  },
) {
  const password = input.password ?? `pw-${randomBytes(9).toString('base64url')}`;
  const user = await op.store.users.create({
    email: input.email,
    name: input.name ?? '',
    passwordHash: await op.services.passwords.hash(password),
    roleIds: input.roleIds ?? [],
    groupIds: input.groupIds ?? [],
  });
  return { ...user, password };
}
