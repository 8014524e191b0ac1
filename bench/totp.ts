/**
 * The bench users' authenticator apps: RFC 6238 (HMAC-SHA1, 6 digits, 30-s steps) with node:crypto,
 * and a pool that hands each sign-in a user whose app has a step the server has not seen yet.
 *
 * The provider accepts a code within ±1 step and only for a step after the last one it accepted
 * from that user, so one user gives at most 3 sign-ins at once, then 1 per 30 s. Steps only move
 * forward per user; the oldest accepted step is skipped in its last 10 s so a code cannot expire
 * between being typed and being checked.
 */
import { createHmac } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';

export const STEP_MS = 30_000;
const WINDOW = 1;
const MARGIN_MS = 10_000;

function base32Decode(text: string): Buffer {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  const bytes: number[] = [];
  let bits = 0;
  let value = 0;
  for (const ch of text.toUpperCase().replace(/[\s=-]/g, '')) {
    const index = alphabet.indexOf(ch);
    if (index < 0) throw new Error(`not base32: ${ch}`);
    value = ((value << 5) | index) & 0xffff;
    bits += 5;
    if (bits >= 8) {
      bytes.push((value >>> (bits - 8)) & 0xff);
      bits -= 8;
    }
  }
  return Buffer.from(bytes);
}

/** The 6-digit code of the decoded secret `key` for time step `step`. */
export function totpCode(key: Buffer, step: number): string {
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(step));
  const mac = createHmac('sha1', key).update(counter).digest();
  const offset = (mac[mac.length - 1] ?? 0) & 0xf;
  const n = (mac.readUInt32BE(offset) & 0x7fffffff) % 1_000_000;
  return String(n).padStart(6, '0');
}

/** A bench user: credentials and the state of their authenticator app. */
export class BenchUser {
  readonly email: string;
  readonly password: string;
  /** The loopback address this person's browser connects from; undefined: 127.0.0.1. */
  readonly address: string | undefined;
  private key: Buffer | null = null;
  /** The last step this user's app gave a code for (the server refuses it and older ones). */
  lastStep = -Infinity;

  constructor(email: string, password: string, address?: string) {
    this.email = email;
    this.password = password;
    this.address = address;
  }

  setSecret(secretBase32: string): void {
    this.key = base32Decode(secretBase32);
  }

  get enrolled(): boolean {
    return this.key !== null;
  }

  /** The step the next code would be for, or null when this user has none left right now. */
  nextStep(nowMs = Date.now()): number | null {
    const current = Math.floor(nowMs / STEP_MS);
    const lowest = current - WINDOW + (nowMs % STEP_MS > STEP_MS - MARGIN_MS ? 1 : 0);
    const step = Math.max(this.lastStep + 1, lowest);
    return step <= current + WINDOW ? step : null;
  }

  /** A fresh code, consuming its step. Throws when none is left (the pool prevents that). */
  code(nowMs = Date.now()): string {
    const step = this.nextStep(nowMs);
    if (step === null || !this.key) throw new Error(`no fresh TOTP step for ${this.email}`);
    this.lastStep = step;
    return totpCode(this.key, step);
  }
}

/** Hands out enrolled users who have a fresh step; waits for the next step when none has. */
export class UserPool {
  private readonly idle: BenchUser[];
  /** Total time callers spent waiting for a step (ms). */
  waitedMs = 0;
  /** Calls that got no user because none would have a step before their deadline. */
  starved = 0;

  constructor(users: BenchUser[]) {
    this.idle = users.filter((u) => u.enrolled);
  }

  get size(): number {
    return this.idle.length;
  }

  /** A user with a fresh step, or null if none will have one before `deadline` (performance.now). */
  async acquire(deadline: number): Promise<BenchUser | null> {
    for (let tries = 0; tries < 10; tries++) {
      const now = Date.now();
      const index = this.idle.findIndex((u) => u.nextStep(now) !== null);
      if (index >= 0) return this.idle.splice(index, 1)[0] ?? null;
      const wait = STEP_MS - (now % STEP_MS) + 50;
      if (!this.idle.length || performance.now() + wait > deadline) {
        this.starved++;
        return null;
      }
      const started = performance.now();
      await sleep(wait);
      this.waitedMs += performance.now() - started;
    }
    this.starved++;
    return null;
  }

  release(user: BenchUser): void {
    this.idle.push(user);
  }

  /** How many codes the pool could give right now without waiting. */
  available(nowMs = Date.now()): number {
    let n = 0;
    for (const user of this.idle) {
      const step = user.nextStep(nowMs);
      if (step !== null) n += Math.floor(nowMs / STEP_MS) + WINDOW - step + 1;
    }
    return n;
  }
}
