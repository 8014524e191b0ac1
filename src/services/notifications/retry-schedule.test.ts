import { describe, expect, it } from '@jest/globals';
import { isPastGiveUp, nextAttemptAt } from './retry-schedule.ts';

const now = new Date(Date.UTC(2026, 10, 23, 12, 0, 0));
const secondsAfter = (at: Date) => (at.getTime() - now.getTime()) / 1000;

describe('retry schedule of security notifications', () => {
  it('waits the retry interval after the first failure, then doubles it', () => {
    expect(secondsAfter(nextAttemptAt(now, 1, 30))).toBe(30);
    expect(secondsAfter(nextAttemptAt(now, 2, 30))).toBe(60);
    expect(secondsAfter(nextAttemptAt(now, 5, 30))).toBe(480);
  });

  it('never waits more than an hour between attempts', () => {
    expect(secondsAfter(nextAttemptAt(now, 8, 30))).toBe(3600);
    expect(secondsAfter(nextAttemptAt(now, 500, 30))).toBe(3600);
  });

  it('gives up once the message is older than the give-up delay', () => {
    const queued = new Date(now.getTime() - 72 * 3600_000);
    expect(isPastGiveUp(queued, now, 72)).toBe(true);
    expect(isPastGiveUp(new Date(queued.getTime() + 1), now, 72)).toBe(false);
  });
});
