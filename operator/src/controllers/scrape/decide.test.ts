import { describe, expect, it } from 'vitest';
import { decide, type ScrapeContext, type ScrapeObservation } from './decide.js';
import type { Monitor } from './monitors.js';
import type { Workload } from './workload.js';

const ctx: ScrapeContext = { monitorLabels: { release: 'kube-prometheus-stack' }, crdCheckSeconds: 60 };

function deployment(patch: { labels?: Record<string, string>; annotations?: Record<string, string> } = {}): Workload {
  return {
    kind: 'Deployment',
    metadata: {
      name: 'order',
      namespace: 'shop',
      uid: 'd-uid',
      labels: patch.labels ?? { app: 'order', 'ecom.dev/scrape': 'true' },
      annotations: patch.annotations,
    },
    selector: { matchLabels: { app: 'order' } },
    ports: [{ name: 'http', number: 3001 }, { number: 9464 }],
  };
}

function service(patch: { labels?: Record<string, string>; annotations?: Record<string, string> } = {}): Workload {
  return {
    kind: 'Service',
    metadata: {
      name: 'order',
      namespace: 'shop',
      uid: 's-uid',
      labels: patch.labels ?? { app: 'order', 'ecom.dev/scrape': 'true' },
      annotations: patch.annotations,
    },
    ports: [
      { name: 'http', number: 80 },
      { name: 'admin', number: 9000 },
    ],
  };
}

const owner = (w: Workload, uid = w.metadata.uid ?? '') => ({
  apiVersion: w.kind === 'Service' ? 'v1' : 'apps/v1',
  kind: w.kind,
  name: w.metadata.name ?? '',
  uid,
  controller: true,
});

/** The monitor as the API server would return it after our apply (plus server-set metadata). */
function applied(w: Workload, patch: Partial<Monitor['metadata']> = {}): Monitor {
  const d = decide({ workload: w, monitorServed: true }, ctx);
  const step = d.steps[0];
  if (step?.type !== 'apply') throw new Error('expected an apply');
  return { ...step.monitor, metadata: { ...step.monitor.metadata, uid: 'm-uid', resourceVersion: '7', ...patch } };
}

const observe = (workload: Workload, monitor?: Monitor, monitorServed = true): ScrapeObservation => ({
  workload,
  monitor,
  monitorServed,
});

describe('decide: which monitor, with what', () => {
  it('keeps an owned PodMonitor for a labelled Deployment: its selector, the port named http, /metrics, 30s', () => {
    const d = decide(observe(deployment()), ctx);
    expect(d.state).toBe('monitored');
    expect(d.steps).toEqual([
      {
        type: 'apply',
        monitor: {
          apiVersion: 'monitoring.coreos.com/v1',
          kind: 'PodMonitor',
          metadata: {
            name: 'order',
            namespace: 'shop',
            labels: { release: 'kube-prometheus-stack', 'app.kubernetes.io/managed-by': 'ecom-operator' },
            ownerReferences: [
              { apiVersion: 'apps/v1', kind: 'Deployment', name: 'order', uid: 'd-uid', controller: true },
            ],
          },
          spec: {
            selector: { matchLabels: { app: 'order' } },
            podMetricsEndpoints: [{ port: 'http', path: '/metrics', interval: '30s' }],
          },
        },
      },
    ]);
    expect(d.events).toEqual([
      {
        type: 'Normal',
        reason: 'MonitorCreated',
        action: 'Create',
        note: 'created PodMonitor order (port http, path /metrics, every 30s)',
      },
    ]);
  });

  it('keeps a ServiceMonitor for a labelled Service that selects exactly that Service', () => {
    const d = decide(observe(service()), ctx);
    const step = d.steps[0];
    expect(step?.type === 'apply' && step.monitor).toMatchObject({
      kind: 'ServiceMonitor',
      metadata: { ownerReferences: [{ apiVersion: 'v1', kind: 'Service', name: 'order', uid: 's-uid' }] },
      spec: {
        selector: { matchLabels: { app: 'order', 'ecom.dev/scrape': 'true' } },
        endpoints: [
          {
            port: 'http',
            path: '/metrics',
            interval: '30s',
            relabelings: [{ action: 'keep', sourceLabels: ['__meta_kubernetes_service_name'], regex: 'order' }],
          },
        ],
      },
    });
  });

  it('a StatefulSet gets a PodMonitor owned by the StatefulSet', () => {
    const d = decide(observe({ ...deployment(), kind: 'StatefulSet' }), ctx);
    const step = d.steps[0];
    expect(step?.type === 'apply' && step.monitor.kind).toBe('PodMonitor');
    expect(step?.type === 'apply' && step.monitor.metadata.ownerReferences?.[0]?.kind).toBe('StatefulSet');
  });

  it.each([
    [
      'a port name, path and interval from the annotations',
      deployment({
        annotations: {
          'ecom.dev/scrape-port': 'http',
          'ecom.dev/scrape-path': '/m',
          'ecom.dev/scrape-interval': '5s',
        },
      }),
      { port: 'http', path: '/m', interval: '5s' },
    ],
    [
      'a numbered container port without a name: portNumber',
      deployment({ annotations: { 'ecom.dev/scrape-port': '9464' } }),
      { portNumber: 9464, path: '/metrics', interval: '30s' },
    ],
    [
      'a numbered container port that has a name: the name',
      deployment({ annotations: { 'ecom.dev/scrape-port': '3001' } }),
      { port: 'http', path: '/metrics', interval: '30s' },
    ],
  ])('PodMonitor endpoint from %s', (_name, workload, endpoint) => {
    const step = decide(observe(workload), ctx).steps[0];
    expect(step?.type === 'apply' && step.monitor.spec.podMetricsEndpoints).toEqual([endpoint]);
  });

  it('a Service port given by number is selected by its name', () => {
    const step = decide(observe(service({ annotations: { 'ecom.dev/scrape-port': '9000' } })), ctx).steps[0];
    expect(step?.type === 'apply' && step.monitor.spec.endpoints?.[0]?.port).toBe('admin');
  });

  it('with no monitor labels configured, the monitor carries only the managed-by label', () => {
    const step = decide(observe(deployment()), { ...ctx, monitorLabels: {} }).steps[0];
    expect(step?.type === 'apply' && step.monitor.metadata.labels).toEqual({
      'app.kubernetes.io/managed-by': 'ecom-operator',
    });
  });
});

describe('decide: changes and no changes', () => {
  it.each([
    ['an unchanged monitor: applied again (a no-op), no event', (w: Workload) => applied(w), []],
    [
      'a monitor whose interval was edited by hand: applied back',
      (w: Workload) => {
        const m = applied(w);
        return { ...m, spec: { ...m.spec, podMetricsEndpoints: [{ port: 'http', path: '/metrics', interval: '1h' }] } };
      },
      ['MonitorUpdated'],
    ],
    [
      'a monitor missing the configured label: applied back',
      (w: Workload) => applied(w, { labels: { 'app.kubernetes.io/managed-by': 'ecom-operator' } }),
      ['MonitorUpdated'],
    ],
    [
      'a monitor with an extra selector label: applied back (the selector is ours alone)',
      (w: Workload) => {
        const m = applied(w);
        return { ...m, spec: { ...m.spec, selector: { matchLabels: { app: 'order', extra: 'x' } } } };
      },
      ['MonitorUpdated'],
    ],
    [
      'a monitor others added fields to: no event (those fields are theirs)',
      (w: Workload) => {
        const m = applied(w);
        return { ...m, spec: { ...m.spec, sampleLimit: 1000 } as Monitor['spec'] };
      },
      [],
    ],
    [
      'a monitor left by an earlier Deployment of the same name: taken over',
      (w: Workload) => applied(w, { ownerReferences: [owner(w, 'old-uid')] }),
      ['MonitorUpdated'],
    ],
  ])('%s', (_name, existing, reasons) => {
    const w = deployment();
    const d = decide(observe(w, existing(w)), ctx);
    expect(d.steps.map((s) => s.type)).toEqual(['apply']);
    expect(d.events.map((e) => e.reason)).toEqual(reasons);
    expect(d.state).toBe('monitored');
  });

  it('the annotation changing the interval updates the monitor', () => {
    const before = applied(deployment());
    const d = decide(observe(deployment({ annotations: { 'ecom.dev/scrape-interval': '10s' } }), before), ctx);
    expect(d.events[0]?.note).toBe('updated PodMonitor order (port http, path /metrics, every 10s)');
  });
});

describe('decide: label removed', () => {
  it.each([
    ['label removed', { app: 'order' }],
    ['label set to "false"', { app: 'order', 'ecom.dev/scrape': 'false' }],
  ])('%s: deletes the monitor it owns, by uid', (_name, labels) => {
    const w = deployment({ labels });
    const d = decide(observe(w, applied(deployment())), ctx);
    expect(d.steps).toEqual([{ type: 'delete', kind: 'PodMonitor', namespace: 'shop', name: 'order', uid: 'm-uid' }]);
    expect(d.events).toEqual([
      {
        type: 'Normal',
        reason: 'MonitorDeleted',
        action: 'Delete',
        note: 'deleted PodMonitor order: the ecom.dev/scrape="true" label is gone',
      },
    ]);
    expect(d.state).toBe('notLabelled');
  });

  it.each([
    ['no monitor', undefined],
    ['a monitor it does not own', { ...applied(deployment()), metadata: { name: 'order', namespace: 'shop' } }],
  ])('unlabelled with %s: nothing', (_name, monitor) => {
    expect(decide(observe(deployment({ labels: {} }), monitor as Monitor | undefined), ctx)).toEqual({
      steps: [],
      events: [],
      state: 'notLabelled',
    });
  });
});

describe('decide: refusals (a Warning, nothing written)', () => {
  it.each([
    [
      'Prometheus Operator CRDs not installed',
      observe(deployment(), undefined, false),
      'waitingForCrds',
      'PrometheusOperatorNotInstalled',
      'Deployment order has ecom.dev/scrape="true", but the API server does not serve monitoring.coreos.com/v1 PodMonitor (podmonitors): the Prometheus Operator CRDs are not installed. The operator checks again every 60s and creates the PodMonitor once they are.',
    ],
    [
      'a bad interval annotation',
      observe(deployment({ annotations: { 'ecom.dev/scrape-interval': 'often' } })),
      'invalid',
      'InvalidScrapeConfig',
      'no PodMonitor kept: ecom.dev/scrape-interval "often" must be a Prometheus duration above zero, such as 15s, 1m or 1m30s',
    ],
    [
      'no container port named http',
      observe({ ...deployment(), ports: [{ name: 'web', number: 8080 }] }),
      'invalid',
      'ScrapePortNotFound',
      'no PodMonitor kept: no container port named "http" in the pod template of Deployment order (ports: web:8080); name the port or set ecom.dev/scrape-port',
    ],
    [
      'an annotated port number the pods do not declare',
      observe(deployment({ annotations: { 'ecom.dev/scrape-port': '1234' } })),
      'invalid',
      'ScrapePortNotFound',
      'no PodMonitor kept: no container port 1234 in the pod template of Deployment order (ports: http:3001, 9464); name the port or set ecom.dev/scrape-port',
    ],
    [
      'a Service port without a name',
      observe({ ...service(), ports: [{ number: 8080 }] }, undefined),
      'invalid',
      'ScrapePortNotFound',
      'no ServiceMonitor kept: no Service port named "http" in the Service order (ports: 8080); name the port or set ecom.dev/scrape-port',
    ],
    [
      'a numbered Service port without a name',
      observe({ ...service({ annotations: { 'ecom.dev/scrape-port': '8080' } }), ports: [{ number: 8080 }] }),
      'invalid',
      'ScrapePortNotFound',
      'no ServiceMonitor kept: Service port 8080 of order has no name, and a ServiceMonitor selects Service ports by name; name it',
    ],
    [
      'a hand-written monitor of the same name',
      observe(deployment(), { ...applied(deployment()), metadata: { name: 'order', namespace: 'shop' } }),
      'conflict',
      'MonitorExistsNotManaged',
      'PodMonitor order already exists and is not owned by Deployment order; the operator leaves it alone. Delete or rename it to let the operator keep its own.',
    ],
    [
      "a StatefulSet's monitor of the same name",
      observe(
        deployment(),
        applied({ ...deployment(), kind: 'StatefulSet', metadata: { ...deployment().metadata, uid: 'sts' } }),
      ),
      'conflict',
      'MonitorExistsNotManaged',
      'PodMonitor order already exists and is not owned by Deployment order',
    ],
  ])('%s', (_name, observation, state, reason, note) => {
    const d = decide(observation, ctx);
    expect(d.steps).toEqual([]);
    expect(d.state).toBe(state);
    expect(d.events).toHaveLength(1);
    expect(d.events[0]).toMatchObject({ type: 'Warning', reason });
    expect(d.events[0]?.note).toContain(note);
  });

  it('an unlabelled workload gets no warning when the CRDs are not installed', () => {
    expect(decide(observe(deployment({ labels: {} }), undefined, false), ctx)).toEqual({
      steps: [],
      events: [],
      state: 'notLabelled',
    });
  });
});
