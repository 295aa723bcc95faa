import nodemailer, { type Transporter } from 'nodemailer';
import type SMTPTransport from 'nodemailer/lib/smtp-transport/index.js';
import { batchHeadline, batchText, truncate, type AlertBatch } from '../batch.js';
import { AlertDeliveryError, scrubSecrets } from '../errors.js';
import type { AlertChannel } from './channel.js';

export interface EmailChannelOptions {
  readonly host: string;
  readonly port: number;
  /** Implicit TLS from the first byte (port 465). */
  readonly secure: boolean;
  /** Refuse to send unless the server upgrades with STARTTLS (the safe default on 587). */
  readonly requireTls: boolean;
  readonly user?: string | undefined;
  /** Secret. */
  readonly password?: string | undefined;
  readonly from: string;
  readonly to: readonly string[];
  /** Connection, greeting and idle-socket deadline. */
  readonly timeoutMs: number;
  readonly subjectPrefix?: string;
}

/** SMTP error codes of nodemailer that mean "the network or the server, not us": worth another try. */
const TRANSIENT_CODES = new Set(['ECONNECTION', 'ETIMEDOUT', 'ESOCKET', 'EDNS', 'ECONNREFUSED', 'ECONNRESET', 'ETLS']);

interface SmtpFailure {
  code?: unknown;
  responseCode?: unknown;
  command?: unknown;
  message?: unknown;
}

/**
 * Email over SMTP with nodemailer: one message per batch, plain text. A fresh
 * connection per message keeps no idle socket open between rare alerts.
 */
export class EmailChannel implements AlertChannel {
  readonly name = 'email';
  private readonly transport: Transporter<SMTPTransport.SentMessageInfo>;
  private readonly secrets: string[];

  constructor(private readonly opts: EmailChannelOptions) {
    this.secrets = [opts.password ?? ''].filter((s) => s.length > 0);
    this.transport = nodemailer.createTransport({
      host: opts.host,
      port: opts.port,
      secure: opts.secure,
      requireTLS: !opts.secure && opts.requireTls,
      ignoreTLS: !opts.secure && !opts.requireTls,
      connectionTimeout: opts.timeoutMs,
      greetingTimeout: opts.timeoutMs,
      socketTimeout: opts.timeoutMs,
      // nodemailer's own logger would print the SMTP dialogue, AUTH included.
      logger: false,
      debug: false,
      ...(opts.user !== undefined ? { auth: { user: opts.user, pass: opts.password ?? '' } } : {}),
    });
  }

  subject(batch: AlertBatch): string {
    return truncate(`${this.opts.subjectPrefix ?? '[WSB]'} ${batchHeadline(batch)}`, 200);
  }

  async send(batch: AlertBatch, signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) throw new AlertDeliveryError(this.name, 'request cancelled (shutting down)', false);
    let info: SMTPTransport.SentMessageInfo;
    try {
      info = await this.transport.sendMail({ from: this.opts.from, to: [...this.opts.to], subject: this.subject(batch), text: batchText(batch) });
    } catch (e) {
      throw this.failure(e);
    }
    if (info.accepted.length === 0) throw new AlertDeliveryError(this.name, `no recipient accepted the message (${info.rejected.length} rejected)`, false);
  }

  private failure(e: unknown): AlertDeliveryError {
    const f = (typeof e === 'object' && e !== null ? e : { message: String(e) }) as SmtpFailure;
    const code = typeof f.code === 'string' ? f.code : undefined;
    const responseCode = typeof f.responseCode === 'number' ? f.responseCode : undefined;
    const message = scrubSecrets(typeof f.message === 'string' ? f.message : String(e), this.secrets);
    // SMTP 4yz replies are transient by definition (RFC 5321 §4.2.1); 5yz and a refused login are not.
    const retryable = code !== 'EAUTH' && (responseCode !== undefined ? responseCode >= 400 && responseCode < 500 : code !== undefined && TRANSIENT_CODES.has(code));
    const what = [code, responseCode].filter((x) => x !== undefined).join(' ');
    return new AlertDeliveryError(this.name, `${what ? `${what}: ` : ''}${message}`, retryable, responseCode !== undefined ? { status: responseCode } : {});
  }

  close(): void {
    this.transport.close();
  }
}
