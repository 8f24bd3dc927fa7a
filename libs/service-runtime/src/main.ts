import closeWithGrace from 'close-with-grace';
import type { BaseConfig } from './config.ts';
import type { Service } from './app.ts';

/**
 * Starts a service as a process: SIGTERM or SIGINT drains it within SHUTDOWN_TIMEOUT_MS (keep it
 * below the pod's terminationGracePeriodSeconds), then the process exits.
 *
 * `main.js migrate` only migrates the service's schema and exits (0 when done): what a
 * Kubernetes Job runs before a rollout, so that pods do not race to migrate.
 */
export async function runMain<C extends BaseConfig>(build: () => Promise<Service<C>>, argv: readonly string[] = process.argv.slice(2)): Promise<void> {
  let service: Service<C> | undefined;
  try {
    service = await build();
  } catch (error) {
    console.error(JSON.stringify({ level: 'fatal', msg: (error as Error).message }));
    process.exit(1);
  }
  const { logger, config } = service.ctx;
  if (argv[0] === 'migrate') {
    try {
      await service.migrate();
      logger.info('schema migrated');
      await service.stop();
      process.exit(0);
    } catch (error) {
      logger.fatal({ err: error }, 'migration failed');
      await service.stop().catch(() => {});
      process.exit(1);
    }
  }
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
