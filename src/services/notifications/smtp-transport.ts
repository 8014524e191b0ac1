import nodemailer from 'nodemailer';
import { mailOf, type MailTransport } from './message.ts';

/** Bounds of one send, so a stalled mail server delays the next message, never the sender. */
const SMTP_TIMEOUTS = { connectionTimeout: 10_000, greetingTimeout: 10_000, socketTimeout: 30_000 };

/** Longest a send can take with those bounds, with room to spare: a claim lasts this long. */
export const LONGEST_SEND_MS = 2 * 60_000;

/** `smtp://host:port` without the user name and password a `SMTP_URL` may carry. */
export function publicSmtpAddress(url: string): string {
  const parsed = new URL(url);
  return `${parsed.protocol}//${parsed.host}`;
}

/**
 * Sends through the SMTP server of `SMTP_URL` (`smtps://` for TLS from the start, `smtp://`
 * upgrades with STARTTLS when offered; credentials in the URL), from `MAIL_FROM`.
 */
export function smtpTransport(url: string, from: string): MailTransport {
  const transporter = nodemailer.createTransport({ url, ...SMTP_TIMEOUTS }, { from });
  return {
    description: `the SMTP server ${publicSmtpAddress(url)}`,
    async send(message) {
      await transporter.sendMail(mailOf(message));
    },
    close() {
      transporter.close();
    },
  };
}
