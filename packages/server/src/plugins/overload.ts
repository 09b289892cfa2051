import { getHeapStatistics } from 'node:v8';
import fastifyUnderPressure from '@fastify/under-pressure';
import fp from 'fastify-plugin';
import type { Config } from '../config.js';

/**
 * Overload: `app.isOverloaded()` is true while the event loop lags or the heap is nearly full;
 * the API routes' hook then answers 503 + Retry-After (through the error handler). The
 * under-pressure plugin samples and decides in a scope of its own, without routes: its own
 * per-request hook reads `request.routeOptions` (an object built on each read), so the API
 * routes' hook asks it instead.
 */
export const overloadCheck = fp<{ config: Readonly<Config> }>(
  async (app, { config }) => {
    let isUnderPressure = (): boolean => false;
    await app.register(async (scope) => {
      await scope.register(fastifyUnderPressure, {
        maxEventLoopDelay: config.maxEventLoopDelayMs,
        maxHeapUsedBytes: (config.maxHeapMb ?? Math.floor((getHeapStatistics().heap_size_limit * 0.9) / 2 ** 20)) * 2 ** 20,
      });
      isUnderPressure = scope.isUnderPressure;
    });
    app.decorate('isOverloaded', () => isUnderPressure());
  },
  { name: 'gatehouse-overload' },
);
