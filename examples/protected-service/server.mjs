/**
 * A service of your own that accepts Gatehouse tokens, with nothing but node:http and the SDK.
 *
 *   GATEHOUSE_URL=http://127.0.0.1:8000 \
 *   GATEHOUSE_TOKEN=<token of a Manager service account> \
 *   PORT=3000 npx tsx examples/protected-service/server.ts      # or: node --experimental-strip-types
 *
 *   curl -H "Authorization: Bearer <any Gatehouse token>" http://127.0.0.1:3000/reports
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { gatehouseAuth, type RequestLike } from '@gatehouse/sdk';

export interface ExampleOptions {
  gatehouseUrl: string;
  /** The service's introspection credential: a token of a Manager (or Admin) service account. */
  introspectionToken: string;
}

/** GET /reports for any valid token; GET /admin/stats for Admins only; GET /health is public. */
export function createExampleService(opts: ExampleOptions): Server {
  const anyone = gatehouseAuth({ url: opts.gatehouseUrl, token: opts.introspectionToken });
  const admins = gatehouseAuth({ url: opts.gatehouseUrl, token: opts.introspectionToken, minRole: 'Admin' });

  const json = (res: ServerResponse, status: number, body: unknown) => {
    res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  };

  return createServer((req: IncomingMessage & RequestLike, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (path === '/health') return json(res, 200, { ok: true });
    if (path === '/reports') {
      return anyone.express(req, res, () => {
        const who = req.gatehouse!;
        json(res, 200, { reports: [`weekly-${who.teams[0] ?? 'none'}`], for: who.sub, teams: who.teams });
      });
    }
    if (path === '/admin/stats') {
      return admins.express(req, res, () => json(res, 200, { requests: 42, by: req.gatehouse!.sub }));
    }
    json(res, 404, { detail: 'not found' });
  });
}

// Run directly: read the environment and listen.
if (process.argv[1] && import.meta.url === new URL(`file://${process.argv[1]}`).href) {
  const gatehouseUrl = process.env.GATEHOUSE_URL;
  const introspectionToken = process.env.GATEHOUSE_TOKEN;
  if (!gatehouseUrl || !introspectionToken) {
    console.error('Set GATEHOUSE_URL and GATEHOUSE_TOKEN (a Manager service account token).');
    process.exit(2);
  }
  const port = Number(process.env.PORT ?? 3000);
  createExampleService({ gatehouseUrl, introspectionToken }).listen(port, '127.0.0.1', () => {
    console.log(`example service on http://127.0.0.1:${port} (try /reports with a Gatehouse token)`);
  });
}
