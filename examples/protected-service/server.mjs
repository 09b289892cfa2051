/**
 * A service of your own that accepts Gatehouse tokens, with nothing but node:http and the SDK.
 *
 *   GATEHOUSE_URL=http://127.0.0.1:8000 \
 *   GATEHOUSE_TOKEN=<token of a Manager service account> \
 *   PORT=3000 node examples/protected-service/server.mjs        # after npm run build
 *
 *   curl -H "Authorization: Bearer <any Gatehouse token>" http://127.0.0.1:3000/reports
 */
import { createServer } from 'node:http';
import { gatehouseAuth } from '@gatehouse/sdk';

/**
 * GET /reports for any valid token; GET /admin/stats for Admins only; GET /health is public.
 * @param {{ gatehouseUrl: string, introspectionToken: string }} opts the Gatehouse server, and this
 *   service's introspection credential: a token of a Manager (or Admin) service account
 * @returns {import('node:http').Server}
 */
export function createExampleService(opts) {
  const anyone = gatehouseAuth({ url: opts.gatehouseUrl, token: opts.introspectionToken });
  const admins = gatehouseAuth({ url: opts.gatehouseUrl, token: opts.introspectionToken, minRole: 'Admin' });

  /** @type {(res: import('node:http').ServerResponse, status: number, body: unknown) => void} */
  const json = (res, status, body) => {
    res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  };

  return createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (path === '/health') return json(res, 200, { ok: true });
    if (path === '/reports') {
      return anyone.express(req, res, () => {
        const who = req.gatehouse;
        json(res, 200, { reports: [`weekly-${who.teams[0] ?? 'none'}`], for: who.sub, teams: who.teams });
      });
    }
    if (path === '/admin/stats') {
      return admins.express(req, res, () => json(res, 200, { requests: 42, by: req.gatehouse.sub }));
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
