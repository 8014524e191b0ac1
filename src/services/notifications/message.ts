import type { SendMailOptions } from 'nodemailer';
import type { OutboxMessage } from '../../store/repos/mail-outbox.repo.ts';

/** Something that delivers one queued message, or throws so that it is retried later. */
export interface MailTransport {
  /** Where messages go, for the start-up log line; never holds credentials. */
  readonly description: string;
  send(message: OutboxMessage): Promise<void>;
  /** Lets go of connections; called once the sender has stopped. */
  close(): void;
}

/**
 * The nodemailer message of a queued notification: plain text only, dated when it was queued
 * (not when a retry finally got through), and marked as automatic (RFC 3834) so that
 * out-of-office replies are not sent back to the no-reply address.
 */
export function mailOf(message: OutboxMessage): SendMailOptions {
  return {
    to: message.to,
    subject: message.subject,
    text: message.text,
    date: message.createdAt,
    headers: { 'Auto-Submitted': 'auto-generated' },
  };
}
