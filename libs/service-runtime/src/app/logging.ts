import pino, { type Logger } from 'pino';

/** Fields never written to logs: tokens, and owners' personal data. */
export const LOG_REDACTIONS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'headers.authorization',
  // Plugins that log their options with the request's headers (@fastify/multipart at trace: busboyOptions.headers).
  '*.headers.authorization',
  '*.headers.cookie',
  '*.owner.name',
  '*.owner.phone',
  '*.owner.email',
  'owner.name',
  'owner.phone',
  'owner.email',
  // Owners nested deeper (event payloads: payload.mission.owner).
  '*.*.owner.name',
  '*.*.owner.phone',
  '*.*.owner.email',
  '*.*.*.owner.name',
  '*.*.*.owner.phone',
  '*.*.*.owner.email',
  // PostgreSQL errors quote the failing row or the JSON being parsed (owners' data) in detail and where.
  'err.detail',
  'err.where',
  'err.cause.detail',
  'err.cause.where',
];

/** The services' logger; `destination` lets tests capture exactly what production would write. */
export function createLogger(name: string, level: string, destination?: pino.DestinationStream): Logger {
  const options = {
    name,
    level,
    redact: { paths: LOG_REDACTIONS, censor: '[redacted]' },
    base: { service: name },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label: string) => ({ level: label }) },
  };
  return destination ? pino(options, destination) : pino(options);
}
