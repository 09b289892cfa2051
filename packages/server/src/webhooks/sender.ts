import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { isIP } from 'node:net';
import { Webhook } from 'standardwebhooks';
import { publicOnlyLookup, refusedAddress } from './destination.js';

/** What one HTTP attempt came to: a status code, or an error before any answer. */
export interface AttemptResult {
  statusCode: number | null;
  error: string | null;
}

export interface SendOptions {
  allowPrivate: boolean;
  /** Whole-attempt timeout (SPEC §9: 10 s). */
  timeoutMs: number;
  /** The signature's timestamp (`webhook-timestamp`): the time of this attempt. */
  now: Date;
}

/*
 * Connections are kept alive between deliveries (a receiver gets many events in a row), and
 * dropped after a few idle seconds, before the usual 5 s keep-alive of servers closes them under
 * a request. A reused socket was checked (publicOnlyLookup) when it connected, to the same host.
 */
const KEEP_ALIVE = { keepAlive: true, timeout: 4_000, maxSockets: 16, maxFreeSockets: 16 } as const;
const httpAgent = new HttpAgent(KEEP_ALIVE);
const httpsAgent = new HttpsAgent(KEEP_ALIVE);
/** Separate pools when private destinations are allowed: a socket never serves a check it skipped. */
const httpAgentPrivate = new HttpAgent(KEEP_ALIVE);
const httpsAgentPrivate = new HttpsAgent(KEEP_ALIVE);

/** Signers by secret (decoding the secret is most of a signature's cost); endpoints are few. */
const signers = new Map<string, Webhook>();
function signerOf(secret: string): Webhook {
  let signer = signers.get(secret);
  if (!signer) {
    if (signers.size >= 256) signers.clear();
    signers.set(secret, (signer = new Webhook(secret)));
  }
  return signer;
}

/**
 * POSTs one message, signed as the Standard Webhooks specification says (`webhook-id`,
 * `webhook-timestamp`, `webhook-signature: v1,<base64 HMAC-SHA256 of "id.timestamp.body">`,
 * made by the `standardwebhooks` package). A 2xx answer is a delivery; redirects are not
 * followed (a 3xx is a failed attempt), and destinations are checked as destination.ts says.
 */
export function sendWebhook(
  target: { url: string; secret: string; messageId: string; payload: string },
  options: SendOptions,
): Promise<AttemptResult> {
  let url: URL;
  try {
    url = new URL(target.url);
  } catch {
    return Promise.resolve({ statusCode: null, error: 'invalid URL' });
  }
  const host = url.hostname.replace(/^\[|\]$/g, '');
  if (!options.allowPrivate && isIP(host)) {
    const why = refusedAddress(host);
    if (why) return Promise.resolve({ statusCode: null, error: `refused: ${why} (GATEHOUSE_WEBHOOK_ALLOW_PRIVATE is not set)` });
  }
  const body = Buffer.from(target.payload);
  const headers = {
    'content-type': 'application/json',
    'content-length': String(body.length),
    'user-agent': 'Gatehouse-Webhooks/1',
    'webhook-id': target.messageId,
    'webhook-timestamp': String(Math.floor(options.now.getTime() / 1000)),
    'webhook-signature': signerOf(target.secret).sign(target.messageId, options.now, target.payload),
  };
  const https = url.protocol === 'https:';
  const request = https ? httpsRequest : httpRequest;
  const agent = https ? (options.allowPrivate ? httpsAgentPrivate : httpsAgent) : options.allowPrivate ? httpAgentPrivate : httpAgent;
  return new Promise((resolve) => {
    let settled = false;
    const done = (r: AttemptResult) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(r);
    };
    const req = request(url, {
      method: 'POST',
      headers,
      agent,
      ...(options.allowPrivate ? {} : { lookup: publicOnlyLookup }),
    }, (res: IncomingMessage) => {
      const status = res.statusCode ?? 0;
      // The answer's body is not kept; reading it lets the socket close cleanly.
      res.resume();
      res.on('end', () => done({ statusCode: status, error: status >= 300 && status < 400 ? 'redirect not followed' : null }));
      res.on('error', () => done({ statusCode: status, error: null }));
    });
    const timer = setTimeout(() => {
      req.destroy(new Error(`timed out after ${options.timeoutMs} ms`));
    }, options.timeoutMs);
    req.on('error', (e: NodeJS.ErrnoException) => done({ statusCode: null, error: e.code === 'EWEBHOOKPRIVATE' ? `refused: ${e.message}` : e.message }));
    req.end(body);
  });
}
