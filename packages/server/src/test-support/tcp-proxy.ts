import { createServer, connect, type AddressInfo, type Server, type Socket } from 'node:net';

/**
 * A TCP proxy between Gatehouse and a database, to simulate the database going away without
 * touching the real one (which other test runs share). `cut()` drops every open connection and
 * refuses (`reset`) or swallows (`blackhole`) new ones; `resume()` forwards again.
 */
export interface TcpProxy {
  port: number;
  /** `postgres://…` rewritten to go through the proxy. */
  rewrite(url: string): string;
  cut(mode?: 'reset' | 'blackhole'): void;
  resume(): void;
  close(): Promise<void>;
}

export async function startTcpProxy(target: { host: string; port: number }): Promise<TcpProxy> {
  let mode: 'forward' | 'reset' | 'blackhole' = 'forward';
  const open = new Set<Socket>();
  const track = (s: Socket) => {
    open.add(s);
    s.on('close', () => open.delete(s));
    s.on('error', () => s.destroy());
  };
  const server: Server = createServer((client) => {
    track(client);
    if (mode === 'reset') return void client.resetAndDestroy();
    if (mode === 'blackhole') return; // accepted, never answered: the client's timeouts must act
    const upstream = connect(target.port, target.host);
    track(upstream);
    client.pipe(upstream);
    upstream.pipe(client);
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    port,
    rewrite(url) {
      const u = new URL(url);
      u.hostname = '127.0.0.1';
      u.port = String(port);
      return u.toString();
    },
    cut(next = 'reset') {
      mode = next;
      for (const s of open) s.resetAndDestroy();
    },
    resume() {
      mode = 'forward';
    },
    async close() {
      for (const s of open) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
