import closeWithGrace from 'close-with-grace';
import envSchema from 'env-schema';
import Type from 'typebox';
import { BaseConfig } from './config.ts';
import type { Service } from './app.ts';
import { migrate } from './db.ts';
import { createLogger } from './app/logging.ts';

/** Where a service's migrations are, and the name its schema defaults to. */
export interface Migrations {
  service: string;
  dir: string;
}

/**
 * What `main.js migrate` reads: the database and the schema, nothing else. The Job that runs it
 * before a rollout holds the database role's credentials only, not the Kafka user's, the token
 * keys or a service's own secrets, and must not need them.
 */
const MigrateConfig = Type.Object({
  DATABASE_URL: BaseConfig.properties.DATABASE_URL,
  DB_SCHEMA: BaseConfig.properties.DB_SCHEMA,
  LOG_LEVEL: BaseConfig.properties.LOG_LEVEL,
});

async function migrateOnly(migrations: Migrations, env: Record<string, string | undefined>): Promise<never> {
  let config: Type.Static<typeof MigrateConfig>;
  try {
    config = envSchema({ schema: MigrateConfig as object, data: { ...env }, dotenv: false }) as Type.Static<typeof MigrateConfig>;
  } catch (error) {
    console.error(JSON.stringify({ level: 'fatal', msg: `invalid configuration: ${(error as Error).message.replace(/^env\b/, 'environment')}` }));
    process.exit(1);
  }
  const logger = createLogger(migrations.service, config.LOG_LEVEL);
  try {
    await migrate({ url: config.DATABASE_URL, schema: config.DB_SCHEMA ?? migrations.service.replaceAll('-', '_'), dir: migrations.dir, logger });
    logger.info('schema migrated');
    process.exit(0);
  } catch (error) {
    logger.fatal({ err: error }, 'migration failed');
    process.exit(1);
  }
}

/**
 * Starts a service as a process: SIGTERM or SIGINT drains it within SHUTDOWN_TIMEOUT_MS (keep it
 * below the pod's terminationGracePeriodSeconds), then the process exits.
 *
 * `main.js migrate` only migrates the service's schema and exits (0 when done): what a
 * Kubernetes Job runs before a rollout, so that pods do not race to migrate. It reads only
 * DATABASE_URL, DB_SCHEMA and LOG_LEVEL, and builds nothing else.
 */
export async function runMain<C extends BaseConfig>(
  build: () => Promise<Service<C>>,
  migrations: Migrations,
  argv: readonly string[] = process.argv.slice(2),
): Promise<void> {
  if (argv[0] === 'migrate') await migrateOnly(migrations, process.env);
  let service: Service<C> | undefined;
  try {
    service = await build();
  } catch (error) {
    console.error(JSON.stringify({ level: 'fatal', msg: (error as Error).message }));
    process.exit(1);
  }
  const { logger, config } = service.ctx;
  closeWithGrace({ delay: config.SHUTDOWN_TIMEOUT_MS, logger }, async ({ signal, err }) => {
    if (err) logger.error({ err }, 'stopping after an unexpected error');
    else logger.info({ signal }, 'stopping');
    await service!.stop();
  });
  try {
    await service.start();
  } catch (error) {
    logger.fatal({ err: error }, 'could not start');
    await service.stop().catch(() => {});
    process.exit(1);
  }
}
