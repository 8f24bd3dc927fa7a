import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  ALL_TOPICS,
  KAFKA_POM_VERSION,
  KAFKA_VERSION,
  PARTITIONS_DEFAULT,
  PATHS,
  ROOT,
  SERVICE_NAMES,
  SHUTDOWN_TIMEOUT_DEFAULT_MS,
  ServiceRoutes,
  Topics,
  checkValue,
  consumedInCode,
  requiredVars,
  serviceVars,
  sourceText,
  type ServiceName,
} from './facts.ts';
import { kustomizeBuild, validateObject, type K8sObject } from './render.ts';
import { EventFlow, kafkaAclsOf, topicsReadBy } from '../../../libs/contracts/src/event-flow.ts';
import { OPS_PATHS } from '../../../libs/contracts/src/routing.ts';

const OVERLAYS = {
  dev: { namespace: 'smart-expertise-dev', jwt: 'secret' },
  prod: { namespace: 'smart-expertise', jwt: 'jwks' },
} as const;

/** The HTTP API services get an autoscaler; the scheduler runs a fixed count (its work is the cron). */
const AUTOSCALED: ServiceName[] = ['mission-intake', 'quote', 'expert-review', 'integrations'];
/** Services that call integrators' endpoints themselves (webhook deliveries), in every overlay. */
const WEBHOOK_SENDERS: ServiceName[] = ['integrations'];
/**
 * Where a pod may go on the internet (the JWKS in prod, integrators' webhooks): any address but the
 * private, shared (100.64/10), loopback and link-local ranges, so that nothing can aim it at the
 * cluster, the node or the cloud's metadata endpoint (169.254.169.254).
 */
const PUBLIC_INTERNET = { cidr: '0.0.0.0/0', except: ['10.0.0.0/8', '100.64.0.0/10', '127.0.0.0/8', '169.254.0.0/16', '172.16.0.0/12', '192.168.0.0/16'] };

/**
 * Variables the manifests set that the runtime does not read yet. Listed here, by name, so that the
 * check "only variables the service reads" still catches a typo; empty since the runtime reads the
 * Kafka SASL/TLS settings (libs/service-runtime/src/config.ts).
 */
const PENDING_RUNTIME_VARS: string[] = [];
/** Read by node-postgres itself (the password when DATABASE_URL carries none). */
const DRIVER_VARS = ['PGPASSWORD'];
/** Only by reference to a Secret, never a value. */
const SECRET_VARS = ['PGPASSWORD', 'KAFKA_SASL_PASSWORD', 'KAFKA_SSL_CA', 'JWT_SECRET', 'WEBHOOK_SECRETS_KEY'];
/** Namespaces allowed to reach the services: the Gateway's proxies and Prometheus. */
const GATEWAY_NAMESPACE = 'envoy-gateway-system';

const matches = (selector: Record<string, string> | undefined, labels: Record<string, string>) =>
  Object.entries(selector ?? {}).every(([k, v]) => labels[k] === v);

const find = (objs: K8sObject[], kind: string, name?: string) => objs.filter((o) => o.kind === kind && (name === undefined || o.metadata.name === name));
const one = (objs: K8sObject[], kind: string, name?: string) => {
  const found = find(objs, kind, name);
  expect(found, `exactly one ${kind} ${name ?? ''}`).toHaveLength(1);
  return found[0]!;
};

describe.each(Object.entries(OVERLAYS))('overlay %s', (overlay, expected) => {
  let objs: K8sObject[];
  beforeAll(() => {
    objs = kustomizeBuild(`k8s/overlays/${overlay}`);
  });

  it('renders with kustomize and every object is valid against the Kubernetes, Prometheus-operator, Strimzi and CloudNativePG schemas', () => {
    expect(objs.length).toBeGreaterThan(20);
    expect(objs.flatMap(validateObject)).toEqual([]);
  });

  it('puts every object in its namespace and holds no Secret (secrets are created out of band)', () => {
    for (const o of objs) if (o.kind !== 'Namespace') expect(o.metadata.namespace, `${o.kind} ${o.metadata.name}`).toBe(expected.namespace);
    expect(one(objs, 'Namespace').metadata.name).toBe(expected.namespace);
    expect(find(objs, 'Secret')).toEqual([]);
  });

  describe.each(SERVICE_NAMES)('%s', (service) => {
    const route = ServiceRoutes[service];
    let deployment: K8sObject;
    let container: any;
    let env: Map<string, { value?: string; valueFrom?: any }>;
    beforeAll(() => {
      deployment = one(objs, 'Deployment', service);
      container = deployment.spec.template.spec.containers[0];
      env = new Map();
      for (const from of container.envFrom ?? []) {
        const cm = one(objs, 'ConfigMap', from.configMapRef.name);
        for (const [k, v] of Object.entries(cm.data ?? {})) env.set(k, { value: String(v) });
      }
      for (const e of container.env ?? []) env.set(e.name, e.value !== undefined ? { value: String(e.value) } : { valueFrom: e.valueFrom });
    });

    it('listens on the port of libs/contracts/src/routing.ts and probes /health/live and /health/ready', () => {
      expect(deployment.spec.template.spec.containers).toHaveLength(1);
      expect(container.image).toMatch(new RegExp(`/${service}:[\\w.-]+$`));
      expect(container.ports).toEqual([{ name: 'http', containerPort: route.port, protocol: 'TCP' }]);
      expect(env.get('PORT')?.value).toBe(String(route.port));
      expect(container.livenessProbe.httpGet).toEqual({ path: PATHS.live, port: 'http' });
      expect(container.readinessProbe.httpGet).toEqual({ path: PATHS.ready, port: 'http' });
      expect(container.startupProbe.httpGet).toEqual({ path: PATHS.live, port: 'http' });
    });

    it('sets only variables the service reads (or the listed pending ones), every required one, valid values, and JWT the way of this overlay', () => {
      const reads = serviceVars(service);
      expect([...env.keys()].filter((k) => !reads.has(k) && !PENDING_RUNTIME_VARS.includes(k) && !DRIVER_VARS.includes(k)), 'variables nothing reads').toEqual([]);
      expect(requiredVars(service).filter((k) => !env.has(k)), 'required variables missing').toEqual([]);
      for (const [name, { value }] of env) if (value !== undefined && reads.has(name)) expect(checkValue(reads.get(name)!, value)).toBeNull();
      // Secrets only by reference.
      for (const name of SECRET_VARS) {
        if (env.has(name)) expect(env.get(name)!.valueFrom?.secretKeyRef, `${name} from a Secret`).toBeDefined();
      }
      if (expected.jwt === 'jwks') {
        expect(env.has('JWT_SECRET'), 'no shared JWT secret in prod').toBe(false);
        expect(env.get('JWT_JWKS_URL')?.value).toMatch(/^https:\/\//);
      } else {
        expect(env.get('JWT_SECRET')!.valueFrom.secretKeyRef.name).toBe('smart-expertise-secrets');
        expect(env.has('JWT_JWKS_URL')).toBe(false);
      }
      // Under NODE_ENV=production the service refuses to start without both (libs/service-runtime/src/config.ts).
      expect(env.get('NODE_ENV')?.value).toBe('production');
      expect(env.get('JWT_ISSUER')?.value, 'JWT_ISSUER').toMatch(expected.jwt === 'jwks' ? /^https:\/\// : /./);
      expect(env.get('JWT_AUDIENCE')?.value, 'JWT_AUDIENCE').toMatch(/./);
    });

    it('sends webhooks, if it does, to public https:// targets only, with the key of its own Secret', () => {
      const webhookVars = [...env.keys()].filter((k) => k.startsWith('WEBHOOK_'));
      if (!WEBHOOK_SENDERS.includes(service)) {
        expect(webhookVars).toEqual([]);
        return;
      }
      expect(env.get('WEBHOOK_SECRETS_KEY')!.valueFrom?.secretKeyRef).toEqual({ name: `${service}-secrets`, key: 'webhook-secrets-key' });
      // The service refuses WEBHOOK_ALLOW_HTTP under NODE_ENV=production: set, it would not start.
      expect(env.get('NODE_ENV')?.value).toBe('production');
      expect(env.has('WEBHOOK_ALLOW_HTTP'), 'no http:// targets').toBe(false);
      expect(env.get('WEBHOOK_ALLOWED_NETWORKS')?.value, 'no non-public network a webhook may reach').toBe('');
    });

    it('connects to PostgreSQL as its own role, owner of its own schema only, through the pooler with verify-full', () => {
      const pg = one(objs, 'Cluster');
      const pooler = one(objs, 'Pooler');
      const url = new URL(env.get('DATABASE_URL')!.value!);
      expect(url.protocol).toBe('postgresql:');
      expect(url.password, 'no password in DATABASE_URL').toBe('');
      expect(url.hostname).toBe(pooler.metadata.name);
      expect(pooler.spec.cluster.name).toBe(pg.metadata.name);
      expect(url.pathname).toBe(`/${pg.spec.bootstrap.initdb.database}`);
      expect(url.searchParams.get('sslmode')).toBe('verify-full');
      expect(pg.spec.certificates.serverAltDNSNames, 'the pooler presents the server certificate').toContain(url.hostname);
      // The CA file: the certificate only of the cluster's CA Secret, mounted read-only.
      const caPath = url.searchParams.get('sslrootcert')!;
      const mount = container.volumeMounts.find((m: any) => caPath.startsWith(`${m.mountPath}/`));
      expect(mount?.readOnly).toBe(true);
      const volume = deployment.spec.template.spec.volumes.find((v: any) => v.name === mount.name);
      expect(volume.secret).toEqual({ secretName: `${pg.metadata.name}-ca`, items: [{ key: 'ca.crt', path: caPath.slice(mount.mountPath.length + 1) }] });
      // The role: a managed role of the cluster, its password from its own Secret, which is PGPASSWORD.
      const role = decodeURIComponent(url.username);
      const schema = service.replaceAll('-', '_');
      expect(role, 'role named like the schema the runtime uses by default').toBe(schema);
      expect(env.has('DB_SCHEMA')).toBe(false);
      const managed = pg.spec.managed.roles.find((r: any) => r.name === role);
      expect(managed).toMatchObject({ login: true, passwordSecret: { name: `${pg.metadata.name}-${service}` } });
      for (const power of ['superuser', 'createdb', 'createrole', 'replication', 'bypassrls']) expect(managed[power] ?? false, power).toBe(false);
      expect(managed.inRoles ?? []).toEqual([]);
      expect(env.get('PGPASSWORD')!.valueFrom.secretKeyRef).toEqual({ name: managed.passwordSecret.name, key: 'password' });
      const owned = one(objs, 'Database').spec.schemas.filter((sc: any) => sc.owner === role);
      expect(owned.map((sc: any) => sc.name)).toEqual([schema]);
    });

    it('connects to Kafka over TLS with its own SCRAM user, the CA from the cluster CA Secret', () => {
      const kafka = one(objs, 'Kafka');
      const listeners = kafka.spec.kafka.listeners;
      const tls = listeners.find((l: any) => l.tls === true && l.authentication?.type === 'scram-sha-512');
      expect(env.get('KAFKA_BROKERS')?.value).toBe(`${kafka.metadata.name}-kafka-bootstrap:${tls.port}`);
      expect(env.get('KAFKA_CREATE_TOPICS')?.value, 'topics come from the KafkaTopic resources').toBe('false');
      expect(env.get('KAFKA_SASL_MECHANISM')?.value).toBe('scram-sha-512');
      const user = one(objs, 'KafkaUser', service);
      expect(user.metadata.labels!['strimzi.io/cluster']).toBe(kafka.metadata.name);
      expect(env.get('KAFKA_SASL_USERNAME')?.value).toBe(user.metadata.name);
      // The User Operator writes the password to a Secret named like the user.
      expect(env.get('KAFKA_SASL_PASSWORD')!.valueFrom.secretKeyRef).toEqual({ name: user.metadata.name, key: 'password' });
      expect(env.get('KAFKA_SSL_CA')!.valueFrom.secretKeyRef).toEqual({ name: `${kafka.metadata.name}-cluster-ca-cert`, key: 'ca.crt' });
    });

    it('has a migration Job with its image, its database settings and no Kafka or HTTP', () => {
      const job = one(objs, 'Job', `${service}-migrate`);
      const pod = job.spec.template.spec;
      const migrate = pod.containers[0];
      expect(pod.containers).toHaveLength(1);
      expect(migrate.image).toBe(container.image);
      expect(pod.restartPolicy).toBe('Never');
      expect(job.spec.activeDeadlineSeconds, 'ends rather than running forever').toBeGreaterThan(0);
      expect(job.spec.template.metadata.labels['app.kubernetes.io/component']).toBe('migration');
      const jobEnv = new Map<string, any>(migrate.env.map((e: any) => [e.name, e]));
      expect(jobEnv.get('DATABASE_URL').value).toBe(env.get('DATABASE_URL')!.value);
      expect(jobEnv.get('PGPASSWORD').valueFrom).toEqual(env.get('PGPASSWORD')!.valueFrom);
      expect(migrate.ports ?? []).toEqual([]);
      expect(migrate.securityContext).toMatchObject({ readOnlyRootFilesystem: true, runAsNonRoot: true, allowPrivilegeEscalation: false });
    });

    it('runs read-only and non-root, with requests and limits, and a grace period longer than the drain', () => {
      const pod = deployment.spec.template.spec;
      expect(pod.securityContext.runAsNonRoot).toBe(true);
      expect(container.securityContext).toMatchObject({ readOnlyRootFilesystem: true, runAsNonRoot: true, allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } });
      const tmp = container.volumeMounts.find((m: any) => m.mountPath === '/tmp');
      expect(pod.volumes.find((v: any) => v.name === tmp.name).emptyDir).toBeDefined();
      for (const k of ['requests', 'limits']) expect(Object.keys(container.resources[k]).sort(), k).toEqual(['cpu', 'memory']);
      const drainMs = Number(env.get('SHUTDOWN_TIMEOUT_MS')?.value ?? SHUTDOWN_TIMEOUT_DEFAULT_MS);
      const preStop = container.lifecycle?.preStop?.exec?.command?.[0] === 'sleep' ? Number(container.lifecycle.preStop.exec.command[1]) : 0;
      expect(pod.terminationGracePeriodSeconds).toBeGreaterThan(preStop + drainMs / 1000);
    });

    it('has a Service on its port, a PodDisruptionBudget and, for the API services, an autoscaler', () => {
      const svc = one(objs, 'Service', service);
      expect(svc.spec.ports).toEqual([{ name: 'http', port: route.port, targetPort: 'http', protocol: 'TCP' }]);
      const podLabels = deployment.spec.template.metadata.labels;
      for (const [k, v] of Object.entries(svc.spec.selector)) expect(podLabels[k]).toBe(v);
      const pdb = one(objs, 'PodDisruptionBudget', service);
      expect(pdb.spec.selector.matchLabels).toEqual(deployment.spec.selector.matchLabels);
      // One autoscaler (an HPA, or in prod KEDA's ScaledObject, which drives an HPA) owns the count of
      // the API services: a Deployment under one carries no spec.replicas.
      const hpas = find(objs, 'HorizontalPodAutoscaler').filter((h) => h.spec.scaleTargetRef.name === service);
      const scaled = find(objs, 'ScaledObject').filter((h) => h.spec.scaleTargetRef.name === service);
      if (AUTOSCALED.includes(service)) {
        expect(hpas.length + scaled.length, 'exactly one autoscaler').toBe(1);
        for (const h of hpas) {
          expect(h.spec.scaleTargetRef).toEqual({ apiVersion: 'apps/v1', kind: 'Deployment', name: service });
          expect(h.spec.minReplicas).toBeLessThanOrEqual(h.spec.maxReplicas);
        }
        for (const so of scaled) {
          expect(so.spec.scaleTargetRef).toEqual({ apiVersion: 'apps/v1', kind: 'Deployment', name: service });
          expect(so.spec.minReplicaCount).toBeGreaterThanOrEqual(2);
          expect(so.spec.maxReplicaCount, 'no more consumers than partitions').toBeLessThanOrEqual(PARTITIONS_DEFAULT);
          const lag = so.spec.triggers.find((t: any) => t.type === 'prometheus');
          expect(lag.metadata.query).toContain('kafka_consumergroup_lag');
          expect(lag.metadata.query).toContain(`namespace="${expected.namespace}"`);
          for (const { group } of EventFlow[service].groups) expect(lag.metadata.query, `lag of group ${group}`).toContain(group);
        }
        expect(deployment.spec.replicas, 'no spec.replicas under an autoscaler').toBeUndefined();
      } else {
        expect([...hpas, ...scaled]).toEqual([]);
        expect(deployment.spec.replicas).toBeGreaterThanOrEqual(1);
      }
    });
  });

  it('routes exactly the API path prefixes of routing.ts to their services through one Gateway, TLS at the gateway, no Ingress', () => {
    expect(find(objs, 'Ingress'), 'ingress-nginx is retired').toEqual([]);
    const gateway = one(objs, 'Gateway');
    const https = gateway.spec.listeners.filter((l: any) => l.protocol === 'HTTPS');
    expect(https).toHaveLength(1);
    expect(https[0].tls.mode).toBe('Terminate');
    expect(https[0].tls.certificateRefs).toEqual([{ kind: 'Secret', name: 'smart-expertise-tls' }]);
    const host = https[0].hostname;
    const routes = find(objs, 'HTTPRoute');
    const routed: string[] = [];
    for (const route of routes) {
      expect(route.spec.hostnames, route.metadata.name).toEqual([host]);
      for (const parent of route.spec.parentRefs) expect(parent.name).toBe(gateway.metadata.name);
      const section = route.spec.parentRefs[0].sectionName;
      const listener = gateway.spec.listeners.find((l: any) => l.name === section);
      for (const rule of route.spec.rules) {
        if (listener.protocol === 'HTTP') {
          // Plain HTTP only redirects.
          expect(rule.backendRefs, `${route.metadata.name} on plain HTTP`).toBeUndefined();
          expect(rule.filters).toEqual([{ type: 'RequestRedirect', requestRedirect: { scheme: 'https', statusCode: 301 } }]);
          continue;
        }
        const rewrite = rule.filters?.find((f: any) => f.type === 'URLRewrite')?.urlRewrite.path;
        const as = rewrite ? ` as ${rewrite.type} ${rewrite.replacePrefixMatch}` : '';
        for (const m of rule.matches) for (const b of rule.backendRefs) routed.push(`${m.path.value} -> ${b.name}:${b.port} (${m.path.type})${as}`);
      }
    }
    const wanted = SERVICE_NAMES.flatMap((s) => [
      ...ServiceRoutes[s].apiPrefixes.map((p) => `${p} -> ${s}:${ServiceRoutes[s].port} (PathPrefix)`),
      ...OPS_PATHS.map((p) => `/${s}${p} -> ${s}:${ServiceRoutes[s].port} (PathPrefix) as ReplacePrefixMatch ${p}`),
    ]);
    expect(routed.sort()).toEqual(wanted.sort());
    if (overlay === 'prod') expect(gateway.metadata.annotations?.['cert-manager.io/cluster-issuer']).toBeDefined();
  });

  it('denies by default; each service has its own NetworkPolicy: in from the Gateway and Prometheus, out to DNS, the pooler and the Kafka TLS listener only (and HTTPS to public addresses: the JWKS host in prod, integrators for a webhook sender)', () => {
    const policies = find(objs, 'NetworkPolicy');
    const deny = policies.filter((p) => Object.keys(p.spec.podSelector.matchLabels ?? {}).length === 0);
    expect(deny).toHaveLength(1);
    expect(deny[0]!.spec).toEqual({ podSelector: {}, policyTypes: ['Ingress', 'Egress'] });
    const pooler = one(objs, 'Pooler').metadata.name;
    const kafka = one(objs, 'Kafka');
    const tlsPort = kafka.spec.kafka.listeners.find((l: any) => l.tls === true).port;
    for (const service of SERVICE_NAMES) {
      const labels = one(objs, 'Deployment', service).spec.template.metadata.labels;
      expect(policies.filter((p) => p.metadata.name === service && p.spec.podSelector.matchLabels?.['app.kubernetes.io/name'] === service), `NetworkPolicy ${service}`).toHaveLength(1);
      const applying = policies.filter((p) => matches(p.spec.podSelector.matchLabels, labels));
      const destinations = applying.flatMap((policy) =>
        (policy.spec.egress ?? []).flatMap((rule: any) =>
          rule.to.map((to: any) => {
            const ports = rule.ports.map((p: any) => `${p.protocol}/${p.port}`).join(',');
            const sel = to.podSelector?.matchLabels ?? {};
            if (sel['cnpg.io/poolerName'] === pooler && !to.namespaceSelector) return `pooler ${ports}`;
            if (sel['strimzi.io/cluster'] === kafka.metadata.name && sel['strimzi.io/broker-role'] === 'true' && !to.namespaceSelector) return `kafka ${ports}`;
            if (sel['k8s-app'] === 'kube-dns') return `dns ${ports}`;
            const block = to.ipBlock && { cidr: to.ipBlock.cidr, except: [...(to.ipBlock.except ?? [])].sort() };
            // The service's own policy opens HTTPS for its webhooks; the shared one, for the JWKS.
            if (ports === 'TCP/443' && JSON.stringify(block) === JSON.stringify(PUBLIC_INTERNET)) return policy.metadata.name === service ? 'webhooks https' : 'jwks https';
            return `unexpected ${JSON.stringify(to)} ${ports}`;
          }),
        ),
      );
      expect(destinations.sort(), service).toEqual(
        [
          'dns UDP/53,TCP/53',
          `kafka TCP/${tlsPort}`,
          'pooler TCP/5432',
          ...(expected.jwt === 'jwks' ? ['jwks https'] : []),
          ...(WEBHOOK_SENDERS.includes(service) ? ['webhooks https'] : []),
        ].sort(),
      );
      const sources = applying.flatMap((p) => p.spec.ingress ?? []).flatMap((r: any) => r.from.map((f: any) => f.namespaceSelector?.matchLabels?.['kubernetes.io/metadata.name']));
      expect(sources.sort()).toEqual([GATEWAY_NAMESPACE, 'monitoring']);
    }
  });

  it('lets only the pooler reach PostgreSQL and only the services reach the Kafka client listener', () => {
    const policies = find(objs, 'NetworkPolicy');
    const pg = one(objs, 'Cluster').metadata.name;
    const pooler = one(objs, 'Pooler').metadata.name;
    const instance = { 'cnpg.io/cluster': pg, 'cnpg.io/podRole': 'instance' };
    const pgRules = policies.filter((p) => matches(p.spec.podSelector.matchLabels, instance) && Object.keys(p.spec.podSelector.matchLabels ?? {}).length > 0);
    expect(pgRules.length).toBeGreaterThan(0);
    const from5432 = pgRules.flatMap((p) => p.spec.ingress ?? []).filter((r: any) => r.ports.some((port: any) => port.port === 5432));
    const peers = from5432.flatMap((r: any) => r.from).map((f: any) => f.namespaceSelector ? `namespace ${f.namespaceSelector.matchLabels['kubernetes.io/metadata.name']}` : JSON.stringify(f.podSelector.matchLabels));
    expect(peers.sort()).toEqual([JSON.stringify({ 'cnpg.io/poolerName': pooler }), JSON.stringify(instance), 'namespace cnpg-system'].sort());
    const poolerIn = policies.filter((p) => p.spec.podSelector.matchLabels?.['cnpg.io/poolerName'] === pooler).flatMap((p) => p.spec.ingress ?? []);
    const clients = poolerIn.filter((r: any) => r.ports.some((port: any) => port.port === 5432)).flatMap((r: any) => r.from.map((f: any) => f.podSelector?.matchLabels?.['app.kubernetes.io/component']));
    expect(clients.sort()).toEqual(['migration', 'service']);
    for (const listener of one(objs, 'Kafka').spec.kafka.listeners) {
      expect(listener.networkPolicyPeers, `listener ${listener.name}`).toEqual([
        { podSelector: { matchLabels: { 'app.kubernetes.io/component': 'service', 'app.kubernetes.io/part-of': 'smart-expertise' } } },
      ]);
    }
  });

  it('creates the topics of libs/contracts with Strimzi, on the broker version of the local stack, controllers apart from brokers', () => {
    const kafka = one(objs, 'Kafka');
    // The same broker locally (tools/stack/kafka.mjs, tools/kafka/pom.xml) and here, and one that
    // the current Strimzi (1.2: 4.2.0-4.3.1) reconciles: the schema accepts any string.
    expect(KAFKA_POM_VERSION, 'tools/kafka/pom.xml and tools/stack/kafka.mjs').toBe(KAFKA_VERSION);
    expect(kafka.spec.kafka.version).toBe(KAFKA_VERSION);
    expect(['4.2.0', '4.2.1', '4.3.0', '4.3.1'], 'a version Strimzi 1.2 reconciles').toContain(KAFKA_VERSION);
    const topics = find(objs, 'KafkaTopic');
    expect(topics.map((t) => t.spec.topicName).sort()).toEqual([...ALL_TOPICS].sort());
    for (const t of topics) {
      expect(t.metadata.labels!['strimzi.io/cluster']).toBe(kafka.metadata.name);
      expect(t.spec.partitions).toBe(PARTITIONS_DEFAULT);
    }
    const pools = find(objs, 'KafkaNodePool');
    for (const p of pools) expect(p.metadata.labels!['strimzi.io/cluster']).toBe(kafka.metadata.name);
    expect(pools.filter((p) => p.spec.roles.length !== 1), 'no dual-role pool').toEqual([]);
    const count = (role: string) => pools.filter((p) => p.spec.roles.includes(role)).reduce((n, p) => n + p.spec.replicas, 0);
    const brokers = count('broker');
    expect(count('controller') % 2, 'an odd number of controllers').toBe(1);
    if (overlay === 'prod') {
      expect(count('controller')).toBeGreaterThanOrEqual(3);
      expect(brokers).toBeGreaterThanOrEqual(3);
      expect(kafka.spec.kafka.config['min.insync.replicas']).toBe(2);
      expect(kafka.spec.kafka.config['default.replication.factor']).toBe(3);
      for (const t of topics) expect([t.spec.replicas, t.spec.config['min.insync.replicas']]).toEqual([3, 2]);
      expect(one(objs, 'Cluster').spec.instances).toBeGreaterThanOrEqual(3);
    }
    for (const t of topics) expect(t.spec.replicas).toBeLessThanOrEqual(brokers);
  });

  it('authenticates every client with SCRAM-SHA-512 over TLS and authorises with ACLs', () => {
    const kafka = one(objs, 'Kafka');
    expect(kafka.spec.kafka.authorization).toEqual({ type: 'simple' });
    for (const l of kafka.spec.kafka.listeners) {
      expect(l.tls, `listener ${l.name} encrypted`).toBe(true);
      expect(l.authentication, `listener ${l.name} authenticated`).toEqual({ type: 'scram-sha-512' });
    }
    expect(kafka.spec.entityOperator.userOperator).toBeDefined();
    expect(kafka.spec.kafka.config['auto.create.topics.enable']).toBe(false);
  });

  it('gives each service a KafkaUser whose ACLs are exactly the event flow: write its topic (no Write at all when it publishes none), read what it consumes, its own group(s)', () => {
    const users = find(objs, 'KafkaUser');
    expect(users.map((u) => u.metadata.name).sort()).toEqual([...SERVICE_NAMES].sort());
    for (const service of SERVICE_NAMES) {
      const user = one(objs, 'KafkaUser', service);
      expect(user.spec.authentication).toEqual({ type: 'scram-sha-512' });
      expect(user.spec.authorization.type).toBe('simple');
      const acls = user.spec.authorization.acls.flatMap((a: any) =>
        a.operations.map((op: string) => `${a.type ?? 'allow'} ${op} ${a.resource.type} ${a.resource.name} ${a.resource.patternType ?? 'literal'} ${a.host ?? '*'}`),
      );
      const wanted = kafkaAclsOf(service).map((acl) => `allow ${acl.operation} ${acl.resource} ${acl.name} literal *`);
      expect(acls.sort(), service).toEqual(wanted.sort());
    }
  });
  it('keeps the connection budget: session pooling, per-role pools within the pooler cap, the cap within max_connections', () => {
    const pg = one(objs, 'Cluster');
    const pooler = one(objs, 'Pooler');
    expect(pooler.spec.type).toBe('rw');
    expect(pooler.spec.pgbouncer.poolMode, 'the outbox relay LISTENs: session mode').toBe('session');
    const p = pooler.spec.pgbouncer.parameters;
    const roles = pg.spec.managed.roles.filter((r: any) => r.login);
    const maxConnections = Number(pg.spec.postgresql.parameters.max_connections);
    // Room beside the pooler: superuser_reserved_connections (3), the operator, metrics, backups, a human.
    expect(Number(p.max_db_connections)).toBeLessThanOrEqual(maxConnections - 20);
    expect(Number(p.default_pool_size) * roles.length).toBeLessThanOrEqual(Number(p.max_db_connections));
    for (const r of roles) expect(r.connectionLimit, r.name).toBeGreaterThanOrEqual(Number(p.default_pool_size));
    // The runtime's startup options (search_path, statement_timeout) must survive PgBouncer.
    expect(p.track_extra_parameters.split(',').sort()).toEqual(['search_path', 'statement_timeout']);
    const docs = readFileSync(join(ROOT, 'docs/operations.md'), 'utf8');
    expect(docs).toContain(`default_pool_size ${p.default_pool_size}`);
    expect(docs).toContain(`max_db_connections ${p.max_db_connections}`);
  });

  it('backs PostgreSQL up through the Barman Cloud plugin: WAL archiving, a ScheduledBackup, credentials from a Secret', () => {
    const pg = one(objs, 'Cluster');
    const store = one(objs, 'ObjectStore');
    const plugin = pg.spec.plugins.find((x: any) => x.name === 'barman-cloud.cloudnative-pg.io');
    expect(plugin).toMatchObject({ isWALArchiver: true, parameters: { barmanObjectName: store.metadata.name } });
    expect(store.spec.configuration.destinationPath).toMatch(/^s3:\/\/.+\/(dev|prod)$/);
    expect(store.spec.configuration.destinationPath.endsWith(`/${overlay}`)).toBe(true);
    for (const key of ['accessKeyId', 'secretAccessKey']) expect(store.spec.configuration.s3Credentials[key].name, key).toBeDefined();
    expect(store.spec.retentionPolicy).toMatch(/^\d+[dwm]$/);
    const backup = one(objs, 'ScheduledBackup');
    expect(backup.spec).toMatchObject({ cluster: { name: pg.metadata.name }, method: 'plugin', pluginConfiguration: { name: plugin.name } });
    expect(backup.spec.schedule.split(' '), 'six fields, seconds first').toHaveLength(6);
  });

  it('scrapes /metrics of every service and alerts only on metrics the code exports', () => {
    const monitor = one(objs, 'ServiceMonitor');
    expect(monitor.spec.endpoints).toEqual([expect.objectContaining({ port: 'http', path: PATHS.metrics })]);
    for (const service of SERVICE_NAMES) {
      const labels = one(objs, 'Service', service).metadata.labels!;
      for (const [k, v] of Object.entries(monitor.spec.selector.matchLabels)) expect(labels[k], `${service} label ${k}`).toBe(v);
    }
    const code = sourceText();
    const rules = one(objs, 'PrometheusRule').spec.groups.flatMap((g: any) => g.rules);
    expect(rules.length).toBeGreaterThan(5);
    const docs = readFileSync(join(ROOT, 'docs/operations.md'), 'utf8');
    for (const rule of rules) {
      const metrics = new Set<string>(
        [...rule.expr.matchAll(/\b([a-z_][a-z0-9_]*)(?=\s*[{[])|\b([a-z_][a-z0-9_]*)\)\s*[><=]/g)].map((m: RegExpMatchArray) => (m[1] ?? m[2])!),
      );
      for (const metric of metrics) {
        if (metric === 'up' || /^(rate|increase|sum|max|by|histogram_quantile)$/.test(metric)) continue;
        const base = metric.replace(/_(bucket|count|sum)$/, '');
        expect(code.includes(`'${metric}'`) || code.includes(`'${base}'`), `${rule.alert} uses ${metric}, which no service exports`).toBe(true);
      }
      expect(docs, `docs/operations.md explains ${rule.alert}`).toContain(`### ${rule.alert}`);
    }
    // A service Prometheus does not scrape at all silences every alert on it: each one has a guard.
    const guards = rules.map((r: any) => r.expr as string).join('\n');
    for (const service of SERVICE_NAMES) expect(guards, `absent() guard for ${service}`).toContain(`absent(up{service="${service}"})`);
  });
});

describe('the event flow of the KafkaUsers', () => {
  it.each(SERVICE_NAMES)('is what %s consumes in its code (services/<name>/src/events/consumers.ts)', (service) => {
    const flow = EventFlow[service];
    const code = consumedInCode(service);
    expect(code.groups).toEqual(flow.groups.map((g) => g.group).sort());
    expect(code.topics).toEqual(topicsReadBy(service).sort());
    if (flow.writes) expect(flow.writes).toBe(`smart.${service}.events.v1`);
    else expect(ALL_TOPICS, `${service} publishes nothing, so no topic is its`).not.toContain(`smart.${service}.events.v1`);
  });

  it('has exactly one publisher for every topic of libs/contracts', () => {
    const published = SERVICE_NAMES.flatMap((s) => {
      const topic = EventFlow[s].writes;
      return topic ? [topic] : [];
    });
    expect(published.sort()).toEqual([...ALL_TOPICS].sort());
  });
});

describe('base manifests', () => {
  it('say in the expiry-scheduler manifest that several replicas are safe', () => {
    const text = readFileSync(join(ROOT, 'k8s/base/services/expiry-scheduler.yaml'), 'utf8');
    expect(text).toMatch(/Several replicas are safe/);
    expect(text).toMatch(/exactly once/);
  });

  it('hold no secret value', () => {
    const files = execFileSync('find', ['k8s', '-name', '*.yaml'], { cwd: ROOT, encoding: 'utf8' }).trim().split('\n');
    for (const file of files) {
      const text = readFileSync(join(ROOT, file), 'utf8');
      expect(text, file).not.toMatch(/^\s*kind:\s*Secret\b/m);
      expect(text, file).not.toMatch(/(password|JWT_SECRET|WEBHOOK_SECRETS_KEY|DATABASE_URL)\s*[:=]\s*\S/i);
    }
  });
});
