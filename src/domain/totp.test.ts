import { describe, expect, it } from '@jest/globals';
import { ScureBase32Plugin } from 'otplib';
import {
  buildOtpauthUri,
  formatSecretForDisplay,
  generateTotpSecret,
  timeStep,
  totpCodeAt,
  verifyTotp,
} from './totp.ts';

const SECRET = 'GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ'; // RFC 6238 appendix B key "12345678901234567890"
const STEP_MS = 30_000;
const BASE = 1_800_000_000_000 - (1_800_000_000_000 % STEP_MS); // a step boundary

function verify(code: string, nowMs: number, window = 1, lastUsedStep: number | null = null) {
  return verifyTotp({ secret: SECRET, code, nowMs, window, lastUsedStep });
}

describe('totp', () => {
  it('matches the RFC 6238 appendix B SHA-1 vectors (last 6 digits)', () => {
    expect(totpCodeAt(SECRET, 59_000)).toBe('287082');
    expect(totpCodeAt(SECRET, 1_111_111_109_000)).toBe('081804');
    expect(totpCodeAt(SECRET, 2_000_000_000_000)).toBe('279037');
  });

  it('generates 160-bit base32 secrets without padding', () => {
    const secret = generateTotpSecret();
    expect(secret).toMatch(/^[A-Z2-7]{32}$/);
    expect(new ScureBase32Plugin().decode(secret)).toHaveLength(20);
    const many = new Set(Array.from({ length: 50 }, () => generateTotpSecret()));
    expect(many.size).toBe(50);
  });

  it('formats the secret in groups of four', () => {
    expect(formatSecretForDisplay('ABCDEFGHIJ')).toBe('ABCD EFGH IJ');
    expect(formatSecretForDisplay('')).toBe('');
  });

  it('builds an encoded otpauth URI with explicit parameters', () => {
    const uri = buildOtpauthUri({
      issuer: 'Acme ID',
      accountName: 'ann+x@example.com',
      secret: SECRET,
    });
    expect(uri).toBe(
      `otpauth://totp/Acme%20ID:ann%2Bx%40example.com?secret=${SECRET}&issuer=Acme%20ID&algorithm=SHA1&digits=6&period=30`,
    );
    const parsed = new URL(uri);
    expect(parsed.searchParams.get('issuer')).toBe('Acme ID');
    expect(buildOtpauthUri({ issuer: 'a:b&c', accountName: 'x', secret: SECRET })).toContain(
      'totp/a%3Ab%26c:x?secret=',
    );
  });

  it('computes time steps on 30 s boundaries', () => {
    expect(timeStep(BASE)).toBe(BASE / STEP_MS);
    expect(timeStep(BASE + STEP_MS - 1)).toBe(BASE / STEP_MS);
    expect(timeStep(BASE + STEP_MS)).toBe(BASE / STEP_MS + 1);
  });

  it('accepts the current step and returns it', () => {
    expect(verify(totpCodeAt(SECRET, BASE), BASE)).toEqual({ ok: true, step: timeStep(BASE) });
    expect(verify(totpCodeAt(SECRET, BASE), BASE + STEP_MS - 1)).toEqual({
      ok: true,
      step: timeStep(BASE),
    });
  });

  it('accepts ±1 step and refuses ±2 with the default window, exactly at boundaries', () => {
    const code = totpCodeAt(SECRET, BASE);
    expect(verify(code, BASE - 1).ok).toBe(true); // code is one step ahead
    expect(verify(code, BASE - STEP_MS).ok).toBe(true);
    expect(verify(code, BASE - STEP_MS - 1)).toEqual({ ok: false, reason: 'invalid' });
    expect(verify(code, BASE + 2 * STEP_MS - 1).ok).toBe(true); // code is one step behind
    expect(verify(code, BASE + 2 * STEP_MS)).toEqual({ ok: false, reason: 'invalid' });
  });

  it('honours a configurable window', () => {
    const code = totpCodeAt(SECRET, BASE);
    expect(verify(code, BASE, 0).ok).toBe(true);
    expect(verify(code, BASE + STEP_MS, 0).ok).toBe(false);
    expect(verify(code, BASE - STEP_MS, 0).ok).toBe(false);
    expect(verify(code, BASE + 2 * STEP_MS, 2).ok).toBe(true);
    expect(verify(code, BASE - 2 * STEP_MS, 2).ok).toBe(true);
    expect(verify(code, BASE + 3 * STEP_MS, 2).ok).toBe(false);
  });

  it('refuses a replayed step and an older step after a newer one', () => {
    const step = timeStep(BASE);
    const code = totpCodeAt(SECRET, BASE);
    expect(verify(code, BASE, 1, step)).toEqual({ ok: false, reason: 'replayed' });
    const older = totpCodeAt(SECRET, BASE - STEP_MS);
    expect(verify(older, BASE, 1, step)).toEqual({ ok: false, reason: 'replayed' });
    const newer = totpCodeAt(SECRET, BASE + STEP_MS);
    expect(verify(newer, BASE, 1, step)).toEqual({ ok: true, step: step + 1 });
  });

  it('normalizes spaces and dashes and rejects malformed input', () => {
    const code = totpCodeAt(SECRET, BASE);
    expect(verify(`${code.slice(0, 3)} ${code.slice(3)}`, BASE).ok).toBe(true);
    expect(verify(`${code.slice(0, 3)}-${code.slice(3)}`, BASE).ok).toBe(true);
    for (const bad of ['', '12345', '1234567', 'abcdef', '12345x', '１２３４５６']) {
      expect(verify(bad, BASE)).toEqual({ ok: false, reason: 'malformed' });
    }
  });

  it('rejects a wrong code', () => {
    const code = totpCodeAt(SECRET, BASE);
    const wrong = String((Number(code) + 1) % 1_000_000).padStart(6, '0');
    expect(verify(wrong, BASE, 0)).toEqual({ ok: false, reason: 'invalid' });
  });
});
