import type { JsonSchema, Schema } from './schema.js';
import { undescribedPaths } from './schema.js';

/** One extra `kubectl get` column (apiextensions.k8s.io/v1 CustomResourceColumnDefinition). */
export interface PrinterColumn {
  name: string;
  type: 'string' | 'integer' | 'number' | 'boolean' | 'date';
  jsonPath: string;
  description: string;
  priority?: number;
}

/**
 * Everything needed to generate one CRD. Each resource kind (EventTopic, and later the lag
 * autoscaler and DeadLetterReplay) declares one of these next to its types; the generator turns
 * every registered definition into a YAML file.
 */
export interface CustomResourceDescription<Spec, Status> {
  group: string;
  version: string;
  kind: string;
  plural: string;
  singular: string;
  listKind?: string;
  shortNames?: string[];
  categories?: string[];
  scope: 'Namespaced' | 'Cluster';
  /** What the resource is; becomes the root description (`kubectl explain <kind>`). */
  description: string;
  spec: Schema<Spec>;
  status: Schema<Status>;
  printerColumns?: PrinterColumn[];
  /** Resource-level CEL rules (e.g. immutability). */
  validations?: { rule: string; message: string }[];
}

export function apiVersionOf(crd: { group: string; version: string }): string {
  return `${crd.group}/${crd.version}`;
}

/** The CRD manifest, as a plain object ready to be serialized. Throws when a field lacks a description. */
export function crdManifest(d: CustomResourceDescription<unknown, unknown>): Record<string, unknown> {
  const root: JsonSchema = {
    type: 'object',
    description: d.description,
    properties: {
      apiVersion: {
        type: 'string',
        description:
          'APIVersion defines the versioned schema of this representation of an object. See https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#resources',
      },
      kind: {
        type: 'string',
        description:
          'Kind is a string value representing the REST resource this object represents. See https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#types-kinds',
      },
      // The API server allows nothing but `type` here (not even a description).
      metadata: { type: 'object' },
      spec: d.spec.json,
      status: d.status.json,
    },
    required: ['spec'],
    ...(d.validations && d.validations.length > 0 ? { 'x-kubernetes-validations': d.validations } : {}),
  };
  const missing = undescribedPaths(root).filter((path) => path !== '.metadata');
  if (missing.length > 0) {
    throw new Error(`CRD ${d.plural}.${d.group}: fields without a description: ${missing.join(', ')}`);
  }
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: {
      name: `${d.plural}.${d.group}`,
      labels: { 'app.kubernetes.io/part-of': 'ecom', 'app.kubernetes.io/managed-by': 'ecom-operator-generate-crds' },
    },
    spec: {
      group: d.group,
      names: {
        kind: d.kind,
        listKind: d.listKind ?? `${d.kind}List`,
        plural: d.plural,
        singular: d.singular,
        ...(d.shortNames ? { shortNames: d.shortNames } : {}),
        ...(d.categories ? { categories: d.categories } : {}),
      },
      scope: d.scope,
      versions: [
        {
          name: d.version,
          served: true,
          storage: true,
          subresources: { status: {} },
          ...(d.printerColumns ? { additionalPrinterColumns: d.printerColumns } : {}),
          schema: { openAPIV3Schema: root },
        },
      ],
    },
  };
}
