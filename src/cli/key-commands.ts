import type { ResealCounts } from '../services/key-rotation.ts';
import type { Services } from '../services/index.ts';
import type { Options } from './commands.ts';

const describeCounts = (label: string, c: ResealCounts) =>
  `${label}: ${c.resealed} re-sealed, ${c.alreadyCurrent} already current` +
  (c.unreadable ? `, ${c.unreadable} unreadable` : '') +
  (c.changedMeanwhile ? `, ${c.changedMeanwhile} changed during the run` : '');

/**
 * `keys:reseal` and `keys:rotate-signing` (README "Key rotation"). Output names key ids and
 * counts only: never key material, secrets or private keys.
 */
export function keyCommands(services: Services) {
  const rotation = services.keyRotation;
  return {
    async 'keys:reseal'(): Promise<string[]> {
      const report = await rotation.reseal();
      const lines = [
        `Re-sealing with key "${report.activeKeyId}" (the first of TOTP_ENCRYPTION_KEYS)`,
        describeCounts('TOTP secrets', report.counts.credentials),
        describeCounts('Pending set-ups', report.counts.enrollments),
        describeCounts('Signing keys', report.counts.signingKeys),
      ];
      if (report.missingKeyIds.length) {
        lines.push(
          `Some values are sealed with keys missing from TOTP_ENCRYPTION_KEYS: ${report.missingKeyIds.join(', ')}. Add those keys back and run keys:reseal again.`,
        );
      }
      lines.push(
        report.remaining === 0
          ? `Everything is sealed with "${report.activeKeyId}": the other keys can be removed from TOTP_ENCRYPTION_KEYS.`
          : `${report.remaining} values are not sealed with "${report.activeKeyId}" yet: keep the other keys and run keys:reseal again.`,
      );
      return lines;
    },

    async 'keys:rotate-signing'(options: Options): Promise<string[]> {
      if (options.activate === true) {
        const results = await rotation.activateNextSigningKeys();
        return [
          ...results.map(
            ({ activated, retiring }) =>
              `${activated.alg}: ${activated.id} (kid ${activated.kid}) signs from the next provider start` +
              (retiring.length ? `; ${retiring.join(', ')} now only verify` : ''),
          ),
          'Restart every provider instance now. Retired keys leave the JWKS once the tokens they signed have expired.',
        ];
      }
      const { next, removed } = await rotation.publishNextSigningKeys();
      return [
        ...removed.map((id) => `Removed retired key ${id}`),
        ...next.map(
          (key) =>
            `${key.alg}: ${key.created ? 'added' : 'already waiting:'} ${key.id} (kid ${key.kid}), ` +
            (key.activatableAt
              ? `published since ${key.publishedAt?.toISOString()}, may sign from ${key.activatableAt.toISOString()}`
              : 'published in the JWKS from the next provider start'),
        ),
        'Restart the provider so its JWKS lists the new keys, then after the wait run keys:rotate-signing --activate.',
      ];
    },
  };
}
