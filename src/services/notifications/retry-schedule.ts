const MAX_DELAY_MS = 60 * 60 * 1000;
const HOUR_MS = 60 * 60 * 1000;

/**
 * When a message is tried again after its `attempts`-th failed send: `retrySeconds`, doubling
 * with each failure, never more than an hour apart, so a mail server that is down for a while
 * is neither hammered nor waited for much longer than it was down.
 */
export function nextAttemptAt(now: Date, attempts: number, retrySeconds: number): Date {
  const delay = Math.min(retrySeconds * 1000 * 2 ** Math.max(0, attempts - 1), MAX_DELAY_MS);
  return new Date(now.getTime() + delay);
}

/** True once a message queued at `createdAt` has waited `giveUpHours`: it is dropped. */
export function isPastGiveUp(createdAt: Date, now: Date, giveUpHours: number): boolean {
  return now.getTime() - createdAt.getTime() >= giveUpHours * HOUR_MS;
}
