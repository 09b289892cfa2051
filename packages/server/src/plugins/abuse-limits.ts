import { authenticateSession } from '@gatehouse/core';
import fp from 'fastify-plugin';
import type { Gatehouse } from '../gatehouse.js';
import type { App } from '../http/context.js';
import { registerAbuseLimits } from '../http/abuse-limits.js';
import { sessionCookieOf } from '../http/session-cookie.js';

/** The rate limits of logins, first-Admin setup and token issuance, attached to their routes as they are added. */
export const abuseLimits = fp<{ gatehouse: Gatehouse }>(
  async (app, { gatehouse }) =>
    registerAbuseLimits(app as App, gatehouse.config, {
      now: () => gatehouse.deps.clock.nowMs(),
      sessionUserId: async (request) => {
        const cookie = sessionCookieOf(request);
        return cookie === undefined ? undefined : (await authenticateSession(gatehouse.deps, cookie))?.user.id;
      },
    }),
  { name: 'gatehouse-abuse-limits' },
);
