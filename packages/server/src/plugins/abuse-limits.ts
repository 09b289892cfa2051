import fp from 'fastify-plugin';
import type { Config } from '../config.js';
import type { App } from '../http/context.js';
import { registerAbuseLimits } from '../http/abuse-limits.js';

/** The rate limits of logins, first-Admin setup and token creation, attached to their routes as they are added. */
export const abuseLimits = fp<{ config: Readonly<Config> }>(async (app, { config }) => registerAbuseLimits(app as App, config), { name: 'gatehouse-abuse-limits' });
