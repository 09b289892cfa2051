import { connect } from 'node:net';

export interface RawAnswer {
  /** Everything the server wrote before closing (or until the timeout). */
  text: string;
  /** The status code of the first response line, or 0 if none came. */
  status: number;
  /** Milliseconds from the first byte sent to the end. */
  ms: number;
  /** Whether the server closed the connection (rather than the timeout ending the wait). */
  closed: boolean;
}

/**
 * Sends raw bytes to a listening server and reads until it closes the connection, for what
 * `inject` and `fetch` cannot send: bytes that are not UTF-8, oversized headers, slow clients.
 * `chunks` are written one after the other, `gapMs` apart.
 */
export function rawHttp(port: number, chunks: Array<Buffer | string>, opts: { timeoutMs?: number; gapMs?: number } = {}): Promise<RawAnswer> {
  const { timeoutMs = 5000, gapMs = 0 } = opts;
  return new Promise((resolve) => {
    const started = Date.now();
    const socket = connect(port, '127.0.0.1');
    const received: Buffer[] = [];
    let done = false;
    const finish = (closed: boolean) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      socket.destroy();
      const text = Buffer.concat(received).toString('latin1');
      const m = /^HTTP\/1\.[01] (\d{3})/.exec(text);
      resolve({ text, status: m ? Number(m[1]) : 0, ms: Date.now() - started, closed });
    };
    const timer = setTimeout(() => finish(false), timeoutMs);
    socket.on('data', (d: Buffer) => received.push(d));
    socket.on('close', () => finish(true));
    socket.on('error', () => finish(true));
    socket.on('connect', async () => {
      for (const [i, chunk] of chunks.entries()) {
        if (i > 0 && gapMs > 0) await new Promise((r) => setTimeout(r, gapMs));
        if (socket.destroyed) return;
        socket.write(chunk);
      }
    });
  });
}
