// The local broker knows one user per service (tools/stack/kafka.mjs), as the KafkaUsers of k8s/.
// Before the platform starts, the stack's superuser creates the run's topics and grants each
// service's user exactly the ACLs of the event flow for the run's topic prefix (kafkaAclsOf of
// libs/contracts, the same table k8s/base/platform/kafka-users.yaml is checked against). The
// services then connect as themselves, and create no topic.
import kafkajs, { type Admin } from 'kafkajs';
import { ALL_TOPICS, kafkaAclsOf, type ServiceName } from '@smart-expertise/contracts';
import { ensureTopics } from '@smart-expertise/service-runtime';
import { KAFKA_ADMIN_USER, localKafkaSasl, type KafkaSasl } from '../tools/stack/kafka.mjs';

const { Kafka, logLevel, AclResourceTypes, AclOperationTypes, AclPermissionTypes, ResourcePatternTypes } = kafkajs;

/** The superuser's credentials in a service environment (KAFKA_SASL_*), if they are the local broker's. */
export function localKafkaAdminOf(env: Record<string, string | undefined>): KafkaSasl | null {
  if (env.KAFKA_SASL_USERNAME !== KAFKA_ADMIN_USER || env.KAFKA_SASL_MECHANISM !== 'scram-sha-512' || !env.KAFKA_SASL_PASSWORD) return null;
  return { mechanism: 'scram-sha-512', username: KAFKA_ADMIN_USER, password: env.KAFKA_SASL_PASSWORD };
}

/** What a service's process is given instead of the superuser: its own user, and no topic creation. */
export function serviceKafkaEnv(admin: KafkaSasl, service: ServiceName): Record<string, string> {
  const own = localKafkaSasl(admin.password, service);
  return { KAFKA_SASL_MECHANISM: own.mechanism, KAFKA_SASL_USERNAME: own.username, KAFKA_SASL_PASSWORD: own.password, KAFKA_CREATE_TOPICS: 'false' };
}

/** Grants a service's user its ACLs under `prefix` (granting one that exists changes nothing). */
export async function grantServiceAcls(admin: Admin, service: ServiceName, prefix: string): Promise<void> {
  await admin.createAcls({
    acl: kafkaAclsOf(service, prefix).map((acl) => ({
      resourceType: acl.resource === 'topic' ? AclResourceTypes.TOPIC : AclResourceTypes.GROUP,
      resourceName: acl.name,
      resourcePatternType: ResourcePatternTypes.LITERAL,
      principal: `User:${service}`,
      host: '*',
      operation: acl.operation === 'Write' ? AclOperationTypes.WRITE : AclOperationTypes.READ,
      permissionType: AclPermissionTypes.ALLOW,
    })),
  });
}

/** Creates the run's topics (the missing ones) and grants every service its ACLs, as the superuser. */
export async function provisionKafka(options: {
  brokers: string[];
  admin: KafkaSasl;
  prefix: string;
  services: readonly ServiceName[];
  partitions: number;
}): Promise<void> {
  const admin = new Kafka({ brokers: options.brokers, sasl: options.admin, logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  try {
    await ensureTopics(admin, ALL_TOPICS.map((t) => options.prefix + t), { partitions: options.partitions, replicationFactor: 1 });
    for (const service of options.services) await grantServiceAcls(admin, service, options.prefix);
  } finally {
    await admin.disconnect();
  }
}
