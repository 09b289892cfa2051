import cluster, { type Worker } from 'node:cluster';
import { isPostgresUrl } from '@gatehouse/db';
import { CLUSTER_SETUP_TOKEN_ENV, inheritedSetupToken, type Config } from '../../config.js';
import { withV8Flags } from '../../fast-path/index.js';
import { createGatehouse } from '../../gatehouse.js';
import { serve } from '../serve.js';
import { ChangeRelays } from './change-relays.js';
import { isClusterMessage } from './messages.js';
import { ClusterAuthChangeBus } from './worker-bus.js';

/**
 * `--workers N`: the primary prepares the database once (migrations, secret, Public team,
 * first Admin or setup token), then forks N workers that share the port, relays auth changes
 * between them (on SQLite; on PostgreSQL each worker is a node of its own) and replaces a
 * worker that dies. Workers run the ordinary server.
 */
export async function serveCluster(config: Readonly<Config>): Promise<void> {
  if (cluster.isWorker) {
    const changes = isPostgresUrl(config.databaseUrl) ? undefined : new ClusterAuthChangeBus();
    await serve(config, { handleSignals: true, changes, setupToken: inheritedSetupToken(), quiet: true });
    return;
  }

  // The primary's few lines (start, replaced workers, late relays) are printed at any log level.
  const prepared = await createGatehouse(config, { purpose: 'prepare', logger: { level: 'info' } });
  const { log } = prepared;
  const setupToken = prepared.setupToken.current;
  if (prepared.secretGenerated) log.info(`generated a new signing secret in ${config.dataDir}/secret (mode 0600): back it up`);
  await prepared.close();

  // Workers start with the server's V8 flags, whatever the primary was started with.
  cluster.setupPrimary({ execArgv: withV8Flags(process.execArgv) });
  let stopping = false;
  // GATEHOUSE_AUDIT_STDOUT follows the shared audit table: one worker writes it, or each line would come once per worker.
  let auditWorker: Worker | undefined;
  const fork = (): Worker => {
    const writesAudit = config.auditStdout && auditWorker === undefined;
    const worker = cluster.fork({ ...(setupToken ? { [CLUSTER_SETUP_TOKEN_ENV]: setupToken } : {}), ...(config.auditStdout ? { GATEHOUSE_AUDIT_STDOUT: String(writesAudit) } : {}) });
    if (writesAudit) auditWorker = worker;
    return worker;
  };
  const relays = new ChangeRelays<Worker>({ workers: () => Object.values(cluster.workers ?? {}), warn: (msg) => log.warn(msg) });
  cluster.on('message', (from, message: unknown) => {
    if (isClusterMessage(message)) relays.onMessage(from, message);
  });
  cluster.on('exit', (worker, code, signal) => {
    relays.onExit(worker);
    if (worker === auditWorker) auditWorker = undefined;
    if (stopping) return;
    log.info(`worker ${worker.process.pid} exited (${signal ?? code}); starting another`);
    fork();
  });
  let listening = 0;
  cluster.on('listening', (worker, address) => {
    relays.onListening(worker);
    if (++listening !== config.workers) return;
    const url = `http://${address.address ?? config.host}:${address.port}`;
    if (setupToken) log.warn(`No users yet. Create the first Admin at ${config.publicUrl ?? url}/setup?token=${setupToken} (one-time link)`);
    log.info(`Gatehouse listening on ${url} with ${config.workers} workers (${isPostgresUrl(config.databaseUrl) ? 'PostgreSQL' : `SQLite in ${config.dataDir}`})`);
  });
  for (let i = 0; i < config.workers; i++) fork();

  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info(`${signal}: stopping ${config.workers} workers`);
    for (const w of Object.values(cluster.workers ?? {})) w?.process.kill('SIGTERM');
    const done = () => Object.keys(cluster.workers ?? {}).length === 0 && process.exit(0);
    cluster.on('exit', done);
    done();
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
}
