import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  ALL_TOPICS,
  KAFKA_VERSION,
  PARTITIONS_DEFAULT,
  PATHS,
  ROOT,
  SERVICE_NAMES,
  SHUTDOWN_TIMEOUT_DEFAULT_MS,
  ServiceRoutes,
  checkValue,
  requiredVars,
  serviceVars,
  sourceText,
  type ServiceName,
} from './facts.ts';
import { kustomizeBuild, validateObject, type K8sObject } from './render.ts';

const OVERLAYS = {
  dev: { namespace: 'smart-expertise-dev', jwt: 'secret' },
  prod: { namespace: 'smart-expertise', jwt: 'jwks' },
} as const;

/** The HTTP API services get an autoscaler; the scheduler runs a fixed count (its work is the cron). */
const AUTOSCALED: ServiceName[] = ['mission-intake', 'quote', 'expert-review'];

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

    it('sets only variables the service reads, every required one, valid values, and JWT the way of this overlay', () => {
      const reads = serviceVars(service);
      expect([...env.keys()].filter((k) => !reads.has(k)), 'variables no service reads').toEqual([]);
      expect(requiredVars(service).filter((k) => !env.has(k)), 'required variables missing').toEqual([]);
      for (const [name, { value }] of env) if (value !== undefined) expect(checkValue(reads.get(name)!, value)).toBeNull();
      // Secrets only by reference.
      for (const name of ['DATABASE_URL', 'JWT_SECRET']) {
        if (env.has(name)) expect(env.get(name)!.valueFrom?.secretKeyRef, `${name} from a Secret`).toBeDefined();
      }
      const pg = one(objs, 'Cluster');
      expect(env.get('DATABASE_URL')!.valueFrom.secretKeyRef).toEqual({ name: `${pg.metadata.name}-app`, key: 'uri' });
      if (expected.jwt === 'jwks') {
        expect(env.has('JWT_SECRET'), 'no shared JWT secret in prod').toBe(false);
        expect(env.get('JWT_JWKS_URL')?.value).toMatch(/^https:\/\//);
      } else {
        expect(env.get('JWT_SECRET')!.valueFrom.secretKeyRef.name).toBe('smart-expertise-secrets');
        expect(env.has('JWT_JWKS_URL')).toBe(false);
      }
      // Topics come from Strimzi's KafkaTopic, and the brokers from the Kafka resource's bootstrap service.
      expect(env.get('KAFKA_CREATE_TOPICS')?.value).toBe('false');
      const kafka = one(objs, 'Kafka');
      const plain = kafka.spec.kafka.listeners.find((l: any) => l.tls === false && l.type === 'internal');
      expect(env.get('KAFKA_BROKERS')?.value).toBe(`${kafka.metadata.name}-kafka-bootstrap:${plain.port}`);
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
      const hpas = find(objs, 'HorizontalPodAutoscaler', service);
      if (AUTOSCALED.includes(service)) {
        expect(hpas).toHaveLength(1);
        expect(hpas[0]!.spec.scaleTargetRef).toEqual({ apiVersion: 'apps/v1', kind: 'Deployment', name: service });
        expect(hpas[0]!.spec.minReplicas).toBeLessThanOrEqual(hpas[0]!.spec.maxReplicas);
      } else expect(hpas).toEqual([]);
    });
  });

  it('routes exactly the API path prefixes of routing.ts to their services under one host', () => {
    const ingress = one(objs, 'Ingress');
    expect(ingress.spec.rules).toHaveLength(1);
    const routed = ingress.spec.rules[0].http.paths.map((p: any) => `${p.path} -> ${p.backend.service.name}:${p.backend.service.port.name} (${p.pathType})`).sort();
    const wanted = SERVICE_NAMES.flatMap((s) => ServiceRoutes[s].apiPrefixes.map((p) => `${p} -> ${s}:http (Prefix)`)).sort();
    expect(routed).toEqual(wanted);
  });

  it('lets service pods reach only PostgreSQL, Kafka and DNS (and the JWKS host in prod), and be reached from the ingress and Prometheus', () => {
    const pg = one(objs, 'Cluster').metadata.name;
    const kafka = one(objs, 'Kafka').metadata.name;
    const policies = find(objs, 'NetworkPolicy');
    for (const service of SERVICE_NAMES) {
      const labels = one(objs, 'Deployment', service).spec.template.metadata.labels;
      const applying = policies.filter((p) => Object.entries(p.spec.podSelector.matchLabels).every(([k, v]) => labels[k] === v));
      expect(applying.length, `policies selecting ${service}`).toBeGreaterThan(0);
      const egress = applying.flatMap((p) => p.spec.egress ?? []);
      const destinations = egress.flatMap((rule: any) =>
        rule.to.map((to: any) => {
          const ports = rule.ports.map((p: any) => `${p.protocol}/${p.port}`).join(',');
          if (to.podSelector?.matchLabels?.['cnpg.io/cluster'] === pg) return `postgres ${ports}`;
          if (to.podSelector?.matchLabels?.['strimzi.io/cluster'] === kafka) return `kafka ${ports}`;
          if (to.podSelector?.matchLabels?.['k8s-app'] === 'kube-dns') return `dns ${ports}`;
          if (to.ipBlock && ports === 'TCP/443') return 'https';
          return `unexpected ${JSON.stringify(to)}`;
        }),
      );
      expect(destinations.sort()).toEqual(['dns UDP/53,TCP/53', 'kafka TCP/9092', 'postgres TCP/5432', ...(expected.jwt === 'jwks' ? ['https'] : [])].sort());
      const sources = applying.flatMap((p) => p.spec.ingress ?? []).flatMap((r: any) => r.from.map((f: any) => f.namespaceSelector?.matchLabels?.['kubernetes.io/metadata.name']));
      expect(sources.sort()).toEqual(['ingress-nginx', 'monitoring']);
    }
  });

  it('creates the topics of libs/contracts with Strimzi, on the broker version of the local stack', () => {
    const kafka = one(objs, 'Kafka');
    expect(kafka.spec.kafka.version).toBe(KAFKA_VERSION);
    const topics = find(objs, 'KafkaTopic');
    expect(topics.map((t) => t.spec.topicName).sort()).toEqual([...ALL_TOPICS].sort());
    for (const t of topics) {
      expect(t.metadata.labels!['strimzi.io/cluster']).toBe(kafka.metadata.name);
      expect(t.spec.partitions).toBe(PARTITIONS_DEFAULT);
    }
    const brokers = find(objs, 'KafkaNodePool').filter((p) => p.spec.roles.includes('broker')).reduce((n, p) => n + p.spec.replicas, 0);
    if (overlay === 'prod') {
      expect(brokers).toBeGreaterThanOrEqual(3);
      expect(kafka.spec.kafka.config['min.insync.replicas']).toBe(2);
      expect(kafka.spec.kafka.config['default.replication.factor']).toBe(3);
      for (const t of topics) expect([t.spec.replicas, t.spec.config['min.insync.replicas']]).toEqual([3, 2]);
      expect(one(objs, 'Cluster').spec.instances).toBeGreaterThanOrEqual(3);
    }
    for (const t of topics) expect(t.spec.replicas).toBeLessThanOrEqual(brokers);
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
      expect(text, file).not.toMatch(/(password|JWT_SECRET|DATABASE_URL)\s*[:=]\s*\S/i);
    }
  });
});
