import { chmod, mkdir, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import nodemailer from 'nodemailer';
import type { Logger } from 'pino';
import { mailOf, type MailTransport } from './message.ts';

/** `20261123T184800Z`: file names sort by the time the message was queued. */
function fileStamp(at: Date): string {
  return at
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z');
}

/**
 * Without an SMTP server (development), each message becomes an RFC 822 `.eml` file in `dir`,
 * readable by any mail client, and one log line says where. The folder is private (0700) and
 * the files too (0600): they name people and what happened to their accounts. A message sent
 * twice (a sender stopped between writing and dequeuing) overwrites its own file.
 */
export function outboxFolderTransport(dir: string, from: string, log: Logger): MailTransport {
  const composer = nodemailer.createTransport(
    { streamTransport: true, buffer: true, newline: 'unix' },
    { from },
  );
  return {
    description: `the outbox folder ${dir} (SMTP_URL is not set)`,
    async send(message) {
      const { message: bytes } = await composer.sendMail(mailOf(message));
      // Owner only, also when the folder already existed: messages name users and addresses.
      await mkdir(dir, { recursive: true, mode: 0o700 });
      await chmod(dir, 0o700);
      const file = join(dir, `${fileStamp(message.createdAt)}-${message.id}.eml`);
      // Written whole, then renamed: a reader of the folder never sees half a message.
      await writeFile(`${file}.part`, bytes, { mode: 0o600 });
      await rename(`${file}.part`, file);
      log.info(
        { file, to: message.to, subject: message.subject },
        'security notification written to the outbox folder',
      );
    },
    close() {},
  };
}
