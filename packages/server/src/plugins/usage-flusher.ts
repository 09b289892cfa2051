import fp from 'fastify-plugin';
import type { Gatehouse } from '../gatehouse.js';

/**
 * The background jobs (`last_used` and auth failures, written behind about once a second, and
 * the lifecycle jobs: lifecycle-jobs.ts) run while the app does: started when it is ready, stopped with a last write when it closes.
 * `app.flushUsage()` writes at once (tests).
 */
export const usageFlusher = fp<{ gatehouse: Gatehouse }>(
  async (app, { gatehouse: { jobs, lifecycle } }) => {
    app.decorate('flushUsage', jobs.flushUsage);
    app.addHook('onReady', async () => {
      jobs.start();
      lifecycle.start();
    });
    app.addHook('onClose', async () => {
      await lifecycle.stop();
      await jobs.stop();
    });
  },
  { name: 'gatehouse-usage-flusher' },
);
