export { createService, createLogger, type App, type Service, type ServiceContext, type ServiceDefinition, type BackgroundTask } from './app.ts';
export { loadConfig, BaseConfig, ConfigError } from './config.ts';
export { withTransaction, quoteIdent, type Pool, type Tx } from './db.ts';
export { createOutbox, type Outbox, type NewEvent } from './outbox.ts';
export { createConsumer, isTransient, type ConsumerSpec, type EventHandlers } from './consumer.ts';
export { createKafka, createProducer } from './kafka.ts';
export { createAuthenticator, signToken, Roles, type Role, type Principal } from './auth.ts';
export { HttpProblem, problemCatalogue, commonProblems } from './problems.ts';
export { runMain } from './main.ts';
