import type { Mailer } from '@gatehouse/core';
import nodemailer from 'nodemailer';

/** Lifecycle e-mail (SPEC §9) through the SMTP server of GATEHOUSE_SMTP_URL, with nodemailer. */
export function smtpMailer(url: string, from: string): Mailer {
  const transport = nodemailer.createTransport(url);
  return {
    async send(message) {
      await transport.sendMail({ from, to: message.to, subject: message.subject, text: message.text });
    },
  };
}
