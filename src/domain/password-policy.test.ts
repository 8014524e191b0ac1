import { describe, expect, it } from '@jest/globals';
import { checkPasswordStrength, PASSWORD_MAX_LENGTH } from './password-policy.ts';

const CONTEXT = { email: 'Ann.Smith@example.com', name: 'Ann Smith' };

describe('checkPasswordStrength', () => {
  it('accepts a reasonable password', () => {
    expect(checkPasswordStrength('correct horse battery', CONTEXT)).toEqual({ ok: true });
    expect(checkPasswordStrength('x'.repeat(10), {})).toEqual({ ok: true });
  });

  it('enforces the length bounds, counting characters', () => {
    expect(checkPasswordStrength('x'.repeat(9), {})).toEqual({
      ok: false,
      message: 'Use at least 10 characters.',
    });
    expect(checkPasswordStrength('x'.repeat(PASSWORD_MAX_LENGTH), {}).ok).toBe(true);
    expect(checkPasswordStrength('x'.repeat(PASSWORD_MAX_LENGTH + 1), {})).toEqual({
      ok: false,
      message: 'Use at most 256 characters.',
    });
    expect(checkPasswordStrength('😀'.repeat(10), {}).ok).toBe(true);
    expect(PASSWORD_MAX_LENGTH).toBe(256);
  });

  it('refuses common passwords in any case', () => {
    for (const common of ['password123', 'PASSWORD123', '1234567890', 'qwertyuiop', '1q2w3e4r5t']) {
      expect(checkPasswordStrength(common, {})).toEqual({
        ok: false,
        message: 'This password is too common; choose another one.',
      });
    }
  });

  it('refuses passwords equal to or containing the email local part or the name', () => {
    const refused = {
      ok: false,
      message: 'The password must not contain your email address or name.',
    };
    expect(checkPasswordStrength('ann.smith@example.com', CONTEXT)).toEqual(refused);
    expect(checkPasswordStrength('ANN.SMITH!2024', CONTEXT)).toEqual(refused);
    expect(checkPasswordStrength('xxannsmithxx', CONTEXT)).toEqual(refused);
    expect(checkPasswordStrength('ann.smithxx', { email: 'ann.smith@example.com' })).toEqual(
      refused,
    );
  });

  it('tells an administrator that the password contains the user’s email or name', () => {
    const forAdmin = {
      ok: false,
      message: 'The password must not contain the user’s email address or name.',
    };
    expect(checkPasswordStrength('ann.smith!2024', CONTEXT, 'admin')).toEqual(forAdmin);
    expect(checkPasswordStrength('ann.smith!2024', CONTEXT, 'owner')).toEqual({
      ok: false,
      message: 'The password must not contain your email address or name.',
    });
    // Only the identity refusal depends on the reader.
    expect(checkPasswordStrength('password123', CONTEXT, 'admin')).toEqual({
      ok: false,
      message: 'This password is too common; choose another one.',
    });
    expect(checkPasswordStrength('correct horse battery', CONTEXT, 'admin')).toEqual({ ok: true });
  });

  it('ignores identity parts too short to matter', () => {
    expect(
      checkPasswordStrength('jo-was-here-today', { email: 'jo@example.com', name: 'J' }),
    ).toEqual({ ok: true });
  });
});
