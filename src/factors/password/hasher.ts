import argon2 from 'argon2';

/** argon2id cost parameters (OWASP minimum: 19 MiB, t=2, p=1). */
export interface PasswordHashingSettings {
  memoryCost: number;
  timeCost: number;
  parallelism: number;
}

/** Hashes and verifies passwords with argon2id; the encoded hash carries its own parameters. */
export function passwordHasher(settings: PasswordHashingSettings) {
  const options: argon2.HashOptions = { type: argon2.argon2id, ...settings };
  let dummyHash: Promise<string> | undefined;
  return {
    hash(password: string): Promise<string> {
      return argon2.hash(password, options);
    },
    async verify(hash: string, password: string): Promise<boolean> {
      try {
        return await argon2.verify(hash, password);
      } catch {
        return false;
      }
    },
    /**
     * Spends the same work as a real verification. Used for unknown emails so that response
     * time does not reveal whether an account exists (user enumeration).
     */
    async burn(password: string): Promise<void> {
      dummyHash ??= argon2.hash('dummy-password-for-timing', options);
      await argon2.verify(await dummyHash, password).catch(() => false);
    },
    /** True when a stored hash uses weaker parameters than configured (rehash on next login). */
    needsRehash(hash: string): boolean {
      return argon2.needsRehash(hash, options);
    },
  };
}

export type PasswordHasher = ReturnType<typeof passwordHasher>;
