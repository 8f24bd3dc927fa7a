import fp from 'fastify-plugin';
import type { BaseConfig } from '../config.ts';

/** fastify's server options for how large and how slow a request may be. */
export function requestLimits(config: Pick<BaseConfig, 'BODY_LIMIT_BYTES' | 'REQUEST_TIMEOUT_MS'>) {
  return {
    bodyLimit: config.BODY_LIMIT_BYTES,
    requestTimeout: config.REQUEST_TIMEOUT_MS,
    connectionTimeout: config.REQUEST_TIMEOUT_MS,
    // Node checks the request timeout only every 30 s by default: a client trickling its request
    // (slowloris) held a connection that long whatever REQUEST_TIMEOUT_MS said.
    http: {
      connectionsCheckingInterval: Math.max(100, Math.min(5_000, Math.floor(config.REQUEST_TIMEOUT_MS / 2))),
      headersTimeout: Math.min(60_000, config.REQUEST_TIMEOUT_MS),
    },
  };
}

/** Caps every route's own `bodyLimit` at the server's. */
export const bodyLimitCap = fp<{ max: number }>(
  async (app, { max }) => {
    app.addHook('onRoute', (route) => {
      // A route's own limit may be smaller than BODY_LIMIT_BYTES, never larger.
      if (route.bodyLimit !== undefined) route.bodyLimit = Math.min(route.bodyLimit, max);
    });
  },
  { name: 'service-runtime.body-limit' },
);
