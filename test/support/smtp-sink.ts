import type { AddressInfo } from 'node:net';
import { SMTPServer, type SMTPServerDataStream } from 'smtp-server';

/** A message the sink accepted, as it arrived on the wire, and its plain-text body decoded. */
export interface ReceivedMail {
  from: string;
  to: string[];
  /** The user the client authenticated as, or null. */
  user: string | null;
  raw: string;
  headers: Map<string, string>;
  text: string;
}

/** A real SMTP server on 127.0.0.1 that keeps what it is sent (or refuses it, on demand). */
export interface SmtpSink {
  port: number;
  received: ReceivedMail[];
  /** How many messages were refused while `refusing`. */
  refused: number;
  /** While true, every message is answered 451 (try again later) after its data. */
  refusing: boolean;
  /** `smtp://127.0.0.1:port`, with the credentials the sink expects when given. */
  url(credentials?: { user: string; pass: string }): string;
  /** The first message (already received or arriving within `timeoutMs`) for this address. */
  waitFor(to: string, timeoutMs?: number): Promise<ReceivedMail>;
  close(): Promise<void>;
}

function decodeQuotedPrintable(body: string): string {
  const bytes = body
    .replace(/=\r?\n/g, '')
    .replace(/=([0-9A-F]{2})/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)));
  return Buffer.from(bytes, 'latin1').toString('utf8');
}

/** Splits a single-part message into headers (lower-case names, unfolded) and decoded text. */
export function parseMail(raw: string): { headers: Map<string, string>; text: string } {
  const split = raw.indexOf('\r\n\r\n');
  const head = raw.slice(0, split).replace(/\r\n[ \t]+/g, ' ');
  const headers = new Map<string, string>();
  for (const line of head.split('\r\n')) {
    const colon = line.indexOf(':');
    if (colon > 0) headers.set(line.slice(0, colon).toLowerCase(), line.slice(colon + 1).trim());
  }
  const body = raw.slice(split + 4);
  const encoding = headers.get('content-transfer-encoding')?.toLowerCase();
  const decoded =
    encoding === 'quoted-printable'
      ? decodeQuotedPrintable(body)
      : encoding === 'base64'
        ? Buffer.from(body, 'base64').toString('utf8')
        : body;
  return { headers, text: decoded.replace(/\r\n/g, '\n') };
}

function readAll(stream: SMTPServerDataStream): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    stream.on('data', (chunk: Buffer) => chunks.push(chunk));
    stream.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    stream.on('error', reject);
  });
}

/**
 * Starts an SMTP server from the `smtp-server` package on 127.0.0.1 (`port` 0: any free port).
 * Authentication is optional; when a client logs in, the credentials must be `credentials`.
 * No STARTTLS, so the provider's client speaks plain SMTP to it.
 */
export async function startSmtpSink(
  port = 0,
  credentials: { user: string; pass: string } = { user: 'mailer', pass: 'sink-password' },
): Promise<SmtpSink> {
  const waiting = new Set<() => void>();
  const sink: SmtpSink = {
    port,
    received: [],
    refused: 0,
    refusing: false,
    url(login) {
      const auth = login
        ? `${encodeURIComponent(login.user)}:${encodeURIComponent(login.pass)}@`
        : '';
      return `smtp://${auth}127.0.0.1:${sink.port}`;
    },
    waitFor(to, timeoutMs = 15_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const mail = sink.received.find((m) => m.to.includes(to));
          if (!mail) return;
          clearTimeout(timer);
          waiting.delete(check);
          resolve(mail);
        };
        const timer = setTimeout(() => {
          waiting.delete(check);
          reject(new Error(`no mail for ${to} within ${timeoutMs} ms`));
        }, timeoutMs);
        waiting.add(check);
        check();
      });
    },
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
  const server = new SMTPServer({
    authOptional: true,
    allowInsecureAuth: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    closeTimeout: 1000,
    onAuth(auth, _session, callback) {
      if (auth.username === credentials.user && auth.password === credentials.pass) {
        callback(null, { user: auth.username });
      } else {
        callback(new Error('Invalid username or password'));
      }
    },
    onData(stream, session, callback) {
      readAll(stream).then((raw) => {
        if (sink.refusing) {
          sink.refused++;
          const error = Object.assign(new Error('Mailbox busy, try again later'), {
            responseCode: 451,
          });
          callback(error);
          return;
        }
        const from = session.envelope.mailFrom ? session.envelope.mailFrom.address : '';
        const to = session.envelope.rcptTo.map((r) => r.address);
        const user = typeof session.user === 'string' ? session.user : null;
        sink.received.push({ from, to, user, raw, ...parseMail(raw) });
        callback();
        for (const check of [...waiting]) check();
      }, callback);
    },
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    const listening = server.listen(port, '127.0.0.1', () => {
      sink.port = (listening.address() as AddressInfo).port;
      resolve();
    });
  });
  return sink;
}
