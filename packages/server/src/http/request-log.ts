import { LogController, type FastifyReply, type FastifyRequest } from 'fastify';
import type { Metrics, RouteRecorder } from '../metrics.js';
import { redactUrl } from './redact.js';

/**
 * Fastify's request log controller, which Fastify calls once for every finished request: here
 * it records the request-duration metric, so that no route needs an onResponse hook (a hook
 * phase per request costs more than the recording), and at debug level writes one line per
 * request (the token id, never the token). At info, a line per API call would cost more than
 * the call; mutations are in the audit log, errors are logged as such.
 *
 * API routes hand their recorder over in their onRequest hook (`request.recordRequest`); other
 * requests (pages, unknown paths) find theirs by route here.
 */
export class RequestLog extends LogController {
  readonly #recorders = new Map<string, RouteRecorder>();
  /** One line per request at debug level. */
  debug = false;

  constructor(private readonly metrics: Metrics) {
    super({ disableRequestLogging: true });
  }

  /** The recorder of a route, made once per route. */
  recorderFor(route: string): RouteRecorder {
    let recorder = this.#recorders.get(route);
    if (!recorder) this.#recorders.set(route, (recorder = this.metrics.routeRecorder(route)));
    return recorder;
  }

  override requestCompleted(_error: Error | null | undefined, request: FastifyRequest, reply: FastifyReply): void {
    const record = request.recordRequest ?? this.recorderFor(request.routeOptions.url ?? 'unmatched');
    record(request.method, reply.statusCode, reply.elapsedTime / 1000);
    if (this.debug) {
      request.log.debug(
        { method: request.method, url: redactUrl(request.url), status: reply.statusCode, ms: Math.round(reply.elapsedTime * 10) / 10, user: request.principal?.user.id, token: request.principal?.token?.id },
        'request',
      );
    }
  }
}
