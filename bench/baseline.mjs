// The bare Fastify baseline of the benchmark: one route per scenario answering the same JSON
// as Gatehouse, serialized from the same response schemas, with no hooks and no plugins.
// Started with Gatehouse's V8 flags (run.mjs) and, first, the nextTick shape it holds: without
// it, a bare Fastify process answers 25–30 % slower from whichever full GC drops that shape, at
// start or mid-run, and a comparison with it measures that luck (BENCHMARKS.md, seventh pass).
import '@gatehouse/server/tick-shape';
import { readFileSync } from 'node:fs';
import Fastify from 'fastify';

const [file, port] = process.argv.slice(2);
const routes = JSON.parse(readFileSync(file, 'utf8')); // [{ url, method, schema, body }]
const app = Fastify({ logger: false });
for (const r of routes) {
  app.route({ method: r.method, url: r.url, schema: { response: { 200: r.schema } }, handler: async () => r.body });
}
await app.listen({ host: '127.0.0.1', port: Number(port) });
process.stdout.write('ready\n');
