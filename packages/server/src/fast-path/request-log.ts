import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { FastifyReply, FastifyRequest, HookHandlerDoneFunction } from 'fastify';
import type { Metrics, RouteRecorder } from '../metrics.js';
import { redactUrl } from '../http/redact.js';

/** Node publishes each answer of its HTTP servers here once it has been handed to the OS. */
const RESPONSE_FINISHED = 'http.server.response.finish';

type TimedMessage = IncomingMessage & Record<symbol, FastifyRequest | undefined>;

/**
 * What is recorded of every answered request: the request-duration metric and, at debug level,
 * one line (the token id, never the token). At info there is no line per request: mutations are
 * in the audit log, errors are logged as such.
 *
 * Every route's first onRequest hook calls `begin`; the duration is recorded when Node reports
 * the answer sent, on a diagnostics channel, so that a request costs no listener of its own (an
 * onResponse hook makes Fastify listen for the end of every response). Answers that Node does
 * not send itself (`inject`) are not measured.
 */
export class RequestLog {
  readonly #recorders = new Map<string, RouteRecorder>();
  /** Where a request is found on Node's message; one key per app, as all apps see the channel. */
  readonly #key = Symbol('gatehouse.request');

  constructor(private readonly metrics: Metrics) {}

  /** The recorder of a route, made once per route. */
  recorderFor(route: string): RouteRecorder {
    let recorder = this.#recorders.get(route);
    if (!recorder) this.#recorders.set(route, (recorder = this.metrics.routeRecorder(route)));
    return recorder;
  }

  /** The answer to this request will be recorded with `record`, timed from now. */
  readonly begin = (request: FastifyRequest, record: RouteRecorder): void => {
    request.recordRequest = record;
    request.receivedAt = performance.now();
    (request.raw as TimedMessage)[this.#key] = request;
  };

  readonly #sent = (message: unknown): void => {
    const { request: raw, response } = message as { request: TimedMessage; response: ServerResponse };
    // Another app's, or answered before any hook ran (a malformed URL).
    const request = raw[this.#key];
    if (request === undefined) return;
    request.recordRequest!(request.method, response.statusCode, (performance.now() - request.receivedAt) / 1000);
  };

  start(): void {
    subscribe(RESPONSE_FINISHED, this.#sent);
  }

  stop(): void {
    unsubscribe(RESPONSE_FINISHED, this.#sent);
  }

  /** The onResponse hook of the debug level: one line per request. */
  readonly debugLine = (request: FastifyRequest, reply: FastifyReply, done: HookHandlerDoneFunction): void => {
    request.log.debug(
      { method: request.method, url: redactUrl(request.url), status: reply.statusCode, ms: Math.round(reply.elapsedTime * 10) / 10, user: request.principal?.user.id, token: request.principal?.token?.id },
      'request',
    );
    done();
  };
}
