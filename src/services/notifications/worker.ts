import type { Logger } from 'pino';
import type { MailOutboxRepository, OutboxMessage } from '../../store/repos/mail-outbox.repo.ts';
import type { MailTransport } from './message.ts';
import { isPastGiveUp, nextAttemptAt } from './retry-schedule.ts';
import { LONGEST_SEND_MS } from './smtp-transport.ts';

/** Messages claimed per look at the outbox. */
const BATCH = 20;
/** Longest pause between looks at the outbox (shorter when MAIL_RETRY_SECONDS is). */
const MAX_TICK_MS = 5_000;

/** What the sender needs: the queue, where messages go, and how long to keep trying. */
export interface OutboxWorkerDeps {
  outbox: MailOutboxRepository;
  transport: MailTransport;
  log: Logger;
  retrySeconds: number;
  giveUpHours: number;
}

function reason(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * The background sender of the mail outbox. It looks at the outbox at once when woken (a message
 * was queued) and on a timer (retries come due, other processes queue too), claims each due
 * message, sends it and deletes it; a failed send is logged (recipient and reason, never the
 * body) and retried later with a doubling delay, until MAIL_GIVE_UP_HOURS have passed since the
 * message was queued. Nothing here ever reaches the request that queued the message.
 */
export function outboxWorker(deps: OutboxWorkerDeps) {
  const { outbox, transport, log, retrySeconds, giveUpHours } = deps;
  let running = false;
  let wanted = false;
  let pass: Promise<void> | null = null;
  let timer: ReturnType<typeof setInterval> | undefined;

  async function failed(message: OutboxMessage, error: unknown): Promise<void> {
    const attempts = message.attempts + 1;
    const now = new Date();
    if (isPastGiveUp(message.createdAt, now, giveUpHours)) {
      log.error(
        { to: message.to, attempts, queuedAt: message.createdAt, error: reason(error) },
        `security notification dropped: not sent within ${giveUpHours} hours (MAIL_GIVE_UP_HOURS)`,
      );
      await outbox.remove(message.id);
      return;
    }
    const retryAt = nextAttemptAt(now, attempts, retrySeconds);
    log.warn(
      { to: message.to, attempts, retryAt, error: reason(error) },
      'security notification not sent; will retry',
    );
    await outbox.release(message.id, attempts, retryAt);
  }

  async function deliver(message: OutboxMessage): Promise<void> {
    try {
      await transport.send(message);
    } catch (error) {
      await failed(message, error);
      return;
    }
    await outbox.remove(message.id);
  }

  /** Sends every due message; stops early when asked to stop or when nothing could be claimed. */
  async function sendDue(): Promise<void> {
    for (;;) {
      const ids = await outbox.dueIds(new Date(), BATCH);
      let claimed = 0;
      for (const id of ids) {
        if (!running) return;
        const now = new Date();
        const message = await outbox.claim(id, now, new Date(now.getTime() + LONGEST_SEND_MS));
        if (!message) continue;
        claimed++;
        await deliver(message);
      }
      if (ids.length < BATCH || claimed === 0) return;
    }
  }

  async function drain(): Promise<void> {
    while (wanted && running) {
      wanted = false;
      try {
        await sendDue();
      } catch (error) {
        log.warn(
          { error: reason(error) },
          'security notifications: the outbox could not be read or updated; trying again later',
        );
      }
    }
  }

  /** Looks at the outbox now, or right after the look under way. */
  function wake(): void {
    wanted = true;
    if (!running || pass) return;
    pass = drain().finally(() => {
      pass = null;
      if (wanted) wake();
    });
  }

  return {
    wake,

    /** Starts looking at the outbox: now, then every MAIL_RETRY_SECONDS (5 s at most). */
    start(): void {
      if (running) return;
      running = true;
      timer = setInterval(wake, Math.min(retrySeconds * 1000, MAX_TICK_MS));
      timer.unref();
      wake();
    },

    /** Stops looking, waits for a send under way, and closes the transport. */
    async stop(): Promise<void> {
      running = false;
      clearInterval(timer);
      timer = undefined;
      await pass;
      transport.close();
    },
  };
}

export type OutboxWorker = ReturnType<typeof outboxWorker>;
