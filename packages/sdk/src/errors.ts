import type { ErrorBody } from './types.js';

/** The server answered with an error status: `{detail, code, request_id, field?}` (SPEC §3). */
export class GatehouseApiError extends Error {
  override name = 'GatehouseApiError';
  constructor(
    readonly status: number,
    /** Stable machine code, e.g. INVALID_TOKEN, FORBIDDEN, NAME_TAKEN, INVALID_INPUT. */
    readonly code: string,
    /** The server's human message. */
    readonly detail: string,
    readonly requestId: string | undefined,
    /** The input field at fault (422 and some 409). */
    readonly field: string | undefined,
  ) {
    super(`${status} ${code}: ${detail}`);
  }

  /** Builds the error from a non-2xx response (tolerating a body that is not Gatehouse's). */
  static async fromResponse(res: Response): Promise<GatehouseApiError> {
    let body: Partial<ErrorBody> = {};
    const text = await res.text().catch(() => '');
    try {
      const parsed: unknown = JSON.parse(text);
      if (typeof parsed === 'object' && parsed !== null) body = parsed as Partial<ErrorBody>;
    } catch {
      // not JSON: e.g. a proxy's HTML error page
    }
    return new GatehouseApiError(
      res.status,
      typeof body.code === 'string' ? body.code : `HTTP_${res.status}`,
      typeof body.detail === 'string' ? body.detail : text.slice(0, 200) || res.statusText || `HTTP ${res.status}`,
      typeof body.request_id === 'string' ? body.request_id : undefined,
      typeof body.field === 'string' ? body.field : undefined,
    );
  }
}

/** No HTTP answer at all: connection refused, DNS failure, TLS error or timeout. */
export class GatehouseUnreachableError extends Error {
  override name = 'GatehouseUnreachableError';
  constructor(
    readonly url: string,
    override readonly cause: unknown,
  ) {
    const reason = cause instanceof Error ? ((cause.cause as Error | undefined)?.message ?? cause.message) : String(cause);
    super(`Cannot reach Gatehouse at ${url}: ${reason}`);
  }
}
