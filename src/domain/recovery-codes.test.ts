import { describe, expect, it } from '@jest/globals';
import { generateRecoveryCodes, hashRecoveryCode, matchRecoveryCode } from './recovery-codes.ts';

describe('recovery codes', () => {
  it('generates ten distinct xxxxx-xxxxx codes from the unambiguous alphabet', () => {
    const { codes, hashes } = generateRecoveryCodes();
    expect(codes).toHaveLength(10);
    expect(hashes).toHaveLength(10);
    for (const code of codes) expect(code).toMatch(/^[0-9a-hjkmnp-tv-z]{5}-[0-9a-hjkmnp-tv-z]{5}$/);
    for (const hash of hashes) expect(hash).toMatch(/^[0-9a-f]{64}$/);
    expect(new Set(codes).size).toBe(10);
    expect(generateRecoveryCodes(3).codes).toHaveLength(3);
  });

  it('uses the whole alphabet', () => {
    const letters = new Set(generateRecoveryCodes(200).codes.join('').replace(/-/g, ''));
    expect(letters.size).toBe(32);
  });

  it('hashes the normalized code', () => {
    const { codes, hashes } = generateRecoveryCodes(1);
    const code = codes[0]!;
    expect(hashRecoveryCode(code)).toBe(hashes[0]);
    expect(hashRecoveryCode(code.toUpperCase())).toBe(hashes[0]);
    expect(hashRecoveryCode(` ${code.replace('-', ' ')} `)).toBe(hashes[0]);
    expect(hashRecoveryCode(code.replace('-', ''))).toBe(hashes[0]);
    expect(hashRecoveryCode('0000o-11iLl')).toBe(hashRecoveryCode('00000-11111'));
  });

  it('rejects malformed input', () => {
    for (const bad of [
      '',
      'abcde',
      'abcde-abcd',
      'abcde-abcdef',
      'uuuuu-uuuuu',
      'abcde_abcde',
      'äbcde-abcde',
    ]) {
      expect(hashRecoveryCode(bad)).toBeNull();
      expect(matchRecoveryCode(bad, [])).toBe(-1);
    }
  });

  it('finds the matching index or -1', () => {
    const { codes, hashes } = generateRecoveryCodes();
    expect(matchRecoveryCode(codes[7]!, hashes)).toBe(7);
    expect(matchRecoveryCode(codes[0]!.toUpperCase(), hashes)).toBe(0);
    expect(matchRecoveryCode(generateRecoveryCodes(1).codes[0]!, hashes)).toBe(-1);
    expect(
      matchRecoveryCode(
        codes[3]!,
        hashes.filter((_, i) => i !== 3),
      ),
    ).toBe(-1);
    expect(matchRecoveryCode(codes[0]!, ['not-hex', ...hashes])).toBe(1);
  });
});
