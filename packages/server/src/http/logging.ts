import type { FastifyReply, FastifyRequest } from 'fastify';
import { pino, type DestinationStream, type Logger, type LoggerOptions } from 'pino';
import pinoPretty from 'pino-pretty';
import { redactUrl } from './redact.js';

/** Never log a credential (STYLE.md): request headers that carry one are redacted. */
const REDACT = ['req.headers.authorization', 'req.headers.cookie', 'res.headers["set-cookie"]', 'headers.authorization', 'headers.cookie'];

/** How an app logs: pino options (with a destination stream, e.g. to capture lines in tests), or false for not at all. */
export type LogSetting = (LoggerOptions & { stream?: DestinationStream }) | false;

/** What Fastify's lines say of a request and its answer (Fastify's own serializers, with the URL redacted). */
const SERIALIZERS = {
  req: (request: FastifyRequest) => ({ method: request.method, url: redactUrl(request.url), host: request.host, remoteAddress: request.ip }),
  res: (reply: FastifyReply) => ({ statusCode: reply.statusCode }),
};

/** Where the lines go by default: the process's standard output, a terminal or not. */
export interface LogOutput extends DestinationStream {
  readonly isTTY?: boolean;
  hasColors?(): boolean;
}

/**
 * The process's logger, at the configured level with credentials redacted: JSON lines on
 * standard output for log collectors, or readable lines (pino-pretty, formatted and written
 * synchronously, so that nothing is lost at exit) when standard output is a terminal. A
 * `stream` given in the setting gets JSON lines.
 */
export function createLogger(setting: LogSetting | undefined, level: string, output: LogOutput = process.stdout): Logger {
  if (setting === false) return pino({ enabled: false });
  const { stream, ...options } = { level, redact: { paths: REDACT, censor: '[redacted]' }, ...setting };
  const withSerializers = { ...options, serializers: { ...SERIALIZERS, ...options.serializers } };
  if (stream) return pino(withSerializers, stream);
  if (output.isTTY === true) return pino(withSerializers, readableLines(output));
  // JSON on file descriptor 1, through pino's own asynchronous writer (flushed at exit).
  return output === process.stdout ? pino(withSerializers) : pino(withSerializers, output);
}

/** One readable line per entry (time, level, message, then any other fields), written at once. */
function readableLines(output: LogOutput): DestinationStream {
  const pretty = pinoPretty.prettyFactory({ colorize: output.hasColors?.() ?? false, translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname' });
  return { write: (line: string) => output.write(pretty(line)) };
}
