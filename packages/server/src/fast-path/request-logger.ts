import { LogController, type FastifyBaseLogger, type FastifyServerOptions } from 'fastify';
import type { Logger } from 'pino';

type Bindings = Parameters<FastifyBaseLogger['child']>[0];
type ChildOptions = Parameters<FastifyBaseLogger['child']>[1];
type Level = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace';

/**
 * A request's logger (`request.log`, `reply.log`): a child of the app's logger with the request
 * id, made only when the request logs at an enabled level. Most requests never log.
 */
class LazyChildLogger {
  #real: FastifyBaseLogger | undefined;
  constructor(
    private readonly parent: Logger,
    private readonly bindings: Bindings,
    private readonly options: ChildOptions,
  ) {}
  get #logger(): FastifyBaseLogger {
    return (this.#real ??= this.parent.child(this.bindings, this.options) as FastifyBaseLogger);
  }
  get level(): string {
    return this.#real?.level ?? this.options?.level ?? this.parent.level;
  }
  set level(level: string) {
    this.#logger.level = level;
  }
  child(bindings: Bindings, options?: ChildOptions): FastifyBaseLogger {
    return this.#logger.child(bindings, options);
  }
  // Methods, not arrow-function fields: one of these objects is made per request.
  fatal(...a: unknown[]): void {
    this.#call('fatal', a);
  }
  error(...a: unknown[]): void {
    this.#call('error', a);
  }
  warn(...a: unknown[]): void {
    this.#call('warn', a);
  }
  info(...a: unknown[]): void {
    this.#call('info', a);
  }
  debug(...a: unknown[]): void {
    this.#call('debug', a);
  }
  trace(...a: unknown[]): void {
    this.#call('trace', a);
  }
  silent(): void {}

  #call(level: Level, args: unknown[]): void {
    // A route's own log level (Fastify passes it in the options) is the child's to decide.
    if (this.#real === undefined && this.options?.level === undefined && !this.parent.isLevelEnabled(level)) return;
    (this.#logger[level] as (...a: unknown[]) => void)(...args);
  }
}

/**
 * How the app hands its logger to Fastify. Fastify itself gets `logger: false`: with a logger of
 * its own, Fastify times every response and listens for its end. Each request still gets a
 * logger with its id (`request.log`), a child of the app's logger, so Fastify's own warnings
 * about a request and the error handler's lines carry the request id that error bodies show.
 * `app.log` is Fastify's silent logger: log through `AppContext.log`.
 */
export function fastifyLogging(log: Logger): Pick<FastifyServerOptions, 'logger' | 'childLoggerFactory' | 'logController'> {
  return {
    logger: false,
    childLoggerFactory: (_silent, bindings, options) => new LazyChildLogger(log, bindings, options) as unknown as FastifyBaseLogger,
    logController: new QuietRequestsLogController(),
  };
}

/**
 * No line per request from Fastify: at info, a line per API call would cost more than the call
 * (mutations are in the audit log; RequestLog writes one at debug). Fastify's other lines
 * (serializer and stream errors) are kept.
 */
class QuietRequestsLogController extends LogController {
  override incomingRequest(): void {}
  override requestCompleted(): void {}
}
