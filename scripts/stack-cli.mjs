// npm run stack: brings PostgreSQL and Kafka up for this checkout and prints the environment to
// export for running one workspace's tests by hand (`npx vitest run` in that workspace).
import { bootstrap, root } from './bootstrap.mjs';

await bootstrap();
const { ensureStack, kafkaEnv } = await import('../tools/stack/index.mjs');
const { localJwtSecret } = await import('./local-env.ts');
const stack = await ensureStack({ root });
console.log(`export DATABASE_URL='${stack.databaseUrl}'`);
for (const [name, value] of Object.entries(kafkaEnv(stack))) console.log(`export ${name}='${value}'`);
console.log(`export JWT_SECRET='${localJwtSecret()}'`);
console.log('# Ctrl-C stops the stack');
const stop = async () => {
  await stack.stop();
  process.exit(0);
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
setInterval(() => {}, 1 << 30);
