import type { Logger } from 'pino';
import type { Config, MailSettings } from '../../config.ts';
import {
  composeNotice,
  type NoticeOrigin,
  type SecurityNotice,
} from '../../domain/security-notices.ts';
import type { Store } from '../../store/index.ts';
import type { MailTransport } from './message.ts';
import { outboxFolderTransport } from './outbox-folder.ts';
import { smtpTransport } from './smtp-transport.ts';
import { outboxWorker } from './worker.ts';

/** Who a notice goes to: the account's owner. */
export interface NoticeRecipient {
  id: string;
  email: string;
  name: string;
}

/** The SMTP server of `SMTP_URL`, or `.eml` files in the outbox folder without one. */
function mailTransport(mail: MailSettings, log: Logger): MailTransport {
  return mail.smtpUrl
    ? smtpTransport(mail.smtpUrl, mail.from)
    : outboxFolderTransport(mail.outboxDir, mail.from, log);
}

/**
 * Security notifications by email (docs/notifications.md). `notify` writes the message to the
 * `mail_outbox` collection and wakes the sender; the sender (started with the server) delivers
 * it in the background with retries. So an action never waits for, or fails because of, the
 * mail server, and a message queued before a restart is still sent after it.
 */
export function notificationService(deps: { config: Config; store: Store; log: Logger }) {
  const { config, store, log } = deps;
  const transport = mailTransport(config.mail, log);
  const worker = outboxWorker({
    outbox: store.mailOutbox,
    transport,
    log,
    retrySeconds: config.mail.retrySeconds,
    giveUpHours: config.mail.giveUpHours,
  });
  return {
    /** Queues a message; never throws, never waits for SMTP. */
    async notify(
      recipient: NoticeRecipient,
      notice: SecurityNotice,
      origin: NoticeOrigin,
    ): Promise<void> {
      try {
        const { subject, text } = composeNotice(notice, origin, recipient, config.totp.issuer);
        await store.mailOutbox.enqueue({ to: recipient.email, subject, text }, new Date());
        worker.wake();
      } catch (error) {
        log.error(
          {
            userId: recipient.id,
            notice: notice.kind,
            error: error instanceof Error ? error.message : String(error),
          },
          'security notification could not be queued',
        );
      }
    },

    /** Starts the background sender (called by startServer). */
    start(): void {
      log.info(`security notifications are sent to ${transport.description}`);
      worker.start();
    },

    /** Stops it (called by close(), before the DB connection closes). Waits for an in-flight send. */
    stop(): Promise<void> {
      return worker.stop();
    },
  };
}

export type NotificationService = ReturnType<typeof notificationService>;
