import type { FastifyBaseLogger, FastifyServerOptions } from 'fastify';

type Bindings = Parameters<FastifyBaseLogger['child']>[0];
type ChildOptions = Parameters<FastifyBaseLogger['child']>[1];

/**
 * Fastify makes a child logger (with the request id) for every request; most requests never
 * log. This defers creating it until a request actually logs at an enabled level.
 */
class LazyChildLogger {
  #real: FastifyBaseLogger | undefined;
  constructor(
    private readonly parent: FastifyBaseLogger,
    private readonly bindings: Bindings,
    private readonly options: ChildOptions,
  ) {}
  get #logger(): FastifyBaseLogger {
    return (this.#real ??= this.parent.child(this.bindings, this.options));
  }
  get level(): string {
    return this.parent.level;
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

  #call(level: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace', args: unknown[]): void {
    // pino knows its levels; Fastify's no-op logger (logger: false) does not, and logs nothing anyway.
    const isLevelEnabled = (this.parent as FastifyBaseLogger & { isLevelEnabled?(l: string): boolean }).isLevelEnabled;
    if (isLevelEnabled && !isLevelEnabled.call(this.parent, level)) return;
    (this.#logger[level] as (...a: unknown[]) => void)(...args);
  }
}

export const lazyChildLoggerFactory: NonNullable<FastifyServerOptions['childLoggerFactory']> = function (logger, bindings, options) {
  return new LazyChildLogger(logger, bindings, options) as unknown as FastifyBaseLogger;
};
