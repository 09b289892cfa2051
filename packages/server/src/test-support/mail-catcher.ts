import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';

/** A mail as the catcher received it: envelope recipients, decoded subject and body. */
export interface CaughtMail {
  to: string[];
  subject: string;
  body: string;
}

/** RFC 2047 encoded words (=?UTF-8?Q?…?=), as nodemailer writes a subject with quotes. */
const decodeHeader = (v: string) =>
  v.replace(/\?=\s+=\?/g, '?==?').replace(/=\?UTF-8\?Q\?(.*?)\?=/gi, (_m, q: string) =>
    Buffer.from(q.replace(/_/g, ' ').replace(/=([0-9A-F]{2})/gi, (_x, h: string) => String.fromCharCode(parseInt(h, 16))), 'latin1').toString('utf8'));
/** RFC 2045 quoted-printable (long lines are soft-broken). */
const decodeQuotedPrintable = (v: string) =>
  Buffer.from(v.replace(/=\r?\n/g, '').replace(/=([0-9A-F]{2})/g, (_x, h: string) => String.fromCharCode(parseInt(h, 16))), 'latin1').toString('utf8');

/** A real SMTP server on a free loopback port, keeping what it receives (for GATEHOUSE_SMTP_URL). */
export async function startMailCatcher(): Promise<{ url: string; mails: CaughtMail[]; close: () => Promise<void> }> {
  const mails: CaughtMail[] = [];
  const smtp = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onData(stream, session, callback) {
      let raw = '';
      stream.on('data', (d: Buffer) => (raw += d.toString('latin1')));
      stream.on('end', () => {
        const subject = /^Subject: (.*)$/m.exec(raw.replace(/\r?\n[ \t]+/g, ' '))?.[1] ?? '';
        mails.push({ to: session.envelope.rcptTo.map((r) => r.address), subject: decodeHeader(subject), body: decodeQuotedPrintable(raw) });
        callback();
      });
    },
  });
  await new Promise<void>((r) => smtp.listen(0, '127.0.0.1', r));
  const port = (smtp.server.address() as AddressInfo).port;
  return { url: `smtp://127.0.0.1:${port}`, mails, close: () => new Promise((r) => smtp.close(() => r())) };
}
