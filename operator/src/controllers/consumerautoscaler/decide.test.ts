import { describe, expect, it } from 'vitest';
import type { ConsumerAutoscaler, ConsumerAutoscalerSpec } from '../../api/consumerautoscaler.js';
import { decide } from './decide.js';
import { measureLag } from './lag.js';
import type { Decision, LagObservation, Observation } from './types.js';

const t0 = new Date('2026-01-01T12:00:00.000Z');
const after = (seconds: number) => new Date(t0.getTime() + seconds * 1000);

function resource(spec: Partial<ConsumerAutoscalerSpec> = {}, generation = 1): ConsumerAutoscaler {
  return {
    apiVersion: 'ecom.dev/v1alpha1',
    kind: 'ConsumerAutoscaler',
    metadata: { name: 'inventory', namespace: 'shop', generation },
    spec: {
      scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'inventory' },
      consumerGroup: 'inventory',
      lagThreshold: 100,
      minReplicas: 1,
      maxReplicas: 12,
      scaleUp: { stabilizationWindowSeconds: 0 },
      scaleDown: { stabilizationWindowSeconds: 300 },
      ...spec,
    },
  };
}

/** `lags[i]` is the lag of partition i (committed at 0, log end = lag). */
function lagOf(lags: number[], groupState = 'Stable', missingTopics: string[] = []): LagObservation {
  const partitions = lags.map((lag, partition) => ({
    topic: 'ecom.orders',
    partition,
    logStart: 0,
    logEnd: lag,
    committed: 0,
  }));
  return { ok: true, groupState, measurement: measureLag(partitions, 'earliest'), timeLagSeconds: 7, missingTopics };
}
const sixPartitions = (total: number) => {
  const each = Math.floor(total / 6);
  return lagOf([total - each * 5, each, each, each, each, each]);
};
const observe = (replicas: number, lag: LagObservation): Observation => ({ target: { found: true, replicas }, lag });
const condition = (d: Decision, type: string) => d.status.conditions?.find((c) => c.type === type);

/** Runs polls the way the reconciler does: the status a poll writes is the one the next poll reads. */
class Simulation {
  replicas: number;
  constructor(
    public r: ConsumerAutoscaler,
    replicas: number,
  ) {
    this.replicas = replicas;
  }
  poll(lag: LagObservation, at: Date): Decision {
    const d = decide(this.r, observe(this.replicas, lag), at);
    this.r = { ...this.r, status: d.status };
    if (d.scaleTo !== undefined) this.replicas = d.scaleTo;
    return d;
  }
}

describe('decide: scaling on lag', () => {
  it('scales up to ceil(lag / lagThreshold), says why, and records a ScaledUp event', () => {
    const d = decide(resource(), observe(2, sixPartitions(480)), t0);
    expect(d.scaleTo).toBe(5);
    expect(d.requeueAfterMs).toBe(15_000);
    expect(d.status).toMatchObject({
      observedGeneration: 1,
      totalLag: 480,
      timeLagSeconds: 7,
      partitions: 6,
      partitionsWithoutOffset: 0,
      groupState: 'Stable',
      topics: [{ name: 'ecom.orders', partitions: 6, lag: 480 }],
      currentReplicas: 2,
      desiredReplicas: 5,
      lastScaleTime: t0.toISOString(),
      lastDecision: 'ceil(total lag 480 / lagThreshold 100) = 5',
      recommendations: [{ replicas: 5, time: t0.toISOString() }],
    });
    expect(condition(d, 'Ready')).toMatchObject({ status: 'True', reason: 'LagRead', observedGeneration: 1 });
    expect(condition(d, 'Active')).toMatchObject({ status: 'True', reason: 'LagAboveActivation' });
    expect(condition(d, 'ScalingLimited')).toMatchObject({ status: 'False', reason: 'DesiredWithinRange' });
    expect(d.events).toEqual([
      {
        type: 'Normal',
        reason: 'ScaledUp',
        action: 'Scale',
        note: 'Deployment/inventory 2 -> 5 replicas: ceil(total lag 480 / lagThreshold 100) = 5',
      },
    ]);
  });

  it('caps at the partitions: ScalingLimited=True CappedAtPartitions', () => {
    const d = decide(resource(), observe(1, sixPartitions(5000)), t0);
    expect(d.scaleTo).toBe(6);
    expect(condition(d, 'ScalingLimited')).toMatchObject({ status: 'True', reason: 'CappedAtPartitions' });
    expect(condition(d, 'ScalingLimited')?.message).toContain('the 6 partitions of the topics');
  });

  it('leaves the target alone when it already has the desired count: no write, no event', () => {
    const d = decide(resource(), observe(5, sixPartitions(480)), t0);
    expect(d.scaleTo).toBeUndefined();
    expect(d.events).toEqual([]);
    expect(d.status.desiredReplicas).toBe(5);
    expect(d.status.lastScaleTime).toBeUndefined();
  });

  it('polls every pollIntervalSeconds', () => {
    expect(decide(resource({ pollIntervalSeconds: 2 }), observe(5, sixPartitions(480)), t0).requeueAfterMs).toBe(2000);
  });

  it('is stable: the same observation at the same time gives the same status, transition times unmoved', () => {
    const first = decide(resource(), observe(5, sixPartitions(480)), t0);
    const again = decide({ ...resource(), status: first.status }, observe(5, sixPartitions(480)), t0);
    expect(again.status).toEqual(first.status);
    const later = decide({ ...resource(), status: first.status }, observe(5, sixPartitions(480)), after(15));
    expect(later.status.conditions).toEqual(first.status.conditions);
  });
});

describe('decide: stabilization windows', () => {
  it('consumed to the end: scales down only after the 300 s window, to the highest recommendation in it', () => {
    const sim = new Simulation(resource(), 1);
    sim.poll(sixPartitions(600), t0);
    expect(sim.replicas).toBe(6);
    sim.poll(sixPartitions(300), after(60));
    sim.poll(sixPartitions(0), after(120));
    const held = sim.poll(sixPartitions(0), after(330));
    expect(sim.replicas).toBe(3); // the 6 of t0 left the window; the 3 of t+60 has not
    expect(condition(held, 'ScalingLimited')).toMatchObject({ status: 'True', reason: 'ScaleDownStabilized' });
    expect(held.status.lastDecision).toContain('held at 3 by the 300 s scale-down stabilization window');
    expect(held.events.map((e) => e.reason)).toEqual(['ScaledDown']);
    sim.poll(sixPartitions(0), after(359));
    expect(sim.replicas).toBe(3);
    const down = sim.poll(sixPartitions(0), after(361));
    expect(sim.replicas).toBe(1);
    expect(condition(down, 'ScalingLimited')).toMatchObject({ status: 'True', reason: 'TooFewReplicas' });
  });

  it('scales up at once with the default 0 s up window, even right after a scale-down was held', () => {
    const sim = new Simulation(resource(), 1);
    sim.poll(sixPartitions(0), t0);
    sim.poll(sixPartitions(900), after(15));
    expect(sim.replicas).toBe(6);
  });

  it('an up window waits until the lowest recommendation in it is higher', () => {
    const sim = new Simulation(resource({ scaleUp: { stabilizationWindowSeconds: 60 } }), 1);
    sim.poll(sixPartitions(0), t0);
    const burst = sim.poll(sixPartitions(600), after(15));
    expect(sim.replicas).toBe(1);
    expect(condition(burst, 'ScalingLimited')).toMatchObject({ reason: 'ScaleUpStabilized' });
    sim.poll(sixPartitions(600), after(61));
    expect(sim.replicas).toBe(6);
  });

  it('a stored recommendation above a lowered maxReplicas does not exceed the new bound', () => {
    const sim = new Simulation(resource(), 1);
    sim.poll(sixPartitions(600), t0);
    sim.r = { ...sim.r, spec: { ...sim.r.spec, maxReplicas: 2 }, metadata: { ...sim.r.metadata, generation: 2 } };
    sim.poll(sixPartitions(600), after(15));
    expect(sim.replicas).toBe(2);
  });
});

describe('decide: activation and scale to zero', () => {
  const spec = { minReplicas: 0, activationLagThreshold: 50, scaleDown: { stabilizationWindowSeconds: 30 } };
  it('idles at zero at or below the activation threshold, activates above it, and returns to zero after the window', () => {
    const sim = new Simulation(resource(spec), 0);
    const idle = sim.poll(lagOf([50]), t0);
    expect(sim.replicas).toBe(0);
    expect(condition(idle, 'Active')).toMatchObject({ status: 'False', reason: 'LagAtOrBelowActivation' });
    const active = sim.poll(lagOf([51]), after(15));
    expect(sim.replicas).toBe(1);
    expect(condition(active, 'Active')).toMatchObject({ status: 'True', reason: 'LagAboveActivation' });
    sim.poll(lagOf([0]), after(30));
    expect(sim.replicas).toBe(1);
    sim.poll(lagOf([0]), after(46));
    expect(sim.replicas).toBe(0);
  });
});

describe('decide: holding the replicas when something cannot be read', () => {
  const failed: LagObservation = { ok: false, message: 'connection refused (127.0.0.1:1)' };

  it('a failed lag read holds the replicas, says LagUnavailable, and is never read as zero', () => {
    const sim = new Simulation(resource({ scaleDown: { stabilizationWindowSeconds: 0 } }), 1);
    sim.poll(sixPartitions(600), t0);
    expect(sim.replicas).toBe(6);
    const d = sim.poll(failed, after(15));
    expect(d.scaleTo).toBeUndefined();
    expect(sim.replicas).toBe(6);
    expect(d.status.desiredReplicas).toBe(6);
    expect(d.status.totalLag).toBeUndefined();
    expect(condition(d, 'Ready')).toMatchObject({ status: 'False', reason: 'LagUnavailable' });
    expect(condition(d, 'Ready')?.message).toContain('connection refused (127.0.0.1:1); holding 6 replicas');
    expect(condition(d, 'Active')).toMatchObject({ status: 'Unknown', reason: 'LagUnavailable' });
    expect(condition(d, 'ScalingLimited')).toMatchObject({ status: 'True', reason: 'LagUnavailable' });
    expect(d.events).toMatchObject([{ type: 'Warning', reason: 'LagUnavailable' }]);
    // Still failing: still held, and no second warning.
    const again = sim.poll(failed, after(30));
    expect(sim.replicas).toBe(6);
    expect(again.events).toEqual([]);
    // Kafka back, lag drained: scales down (window 0) and Ready again.
    const back = sim.poll(sixPartitions(0), after(45));
    expect(sim.replicas).toBe(1);
    expect(condition(back, 'Ready')).toMatchObject({ status: 'True', reason: 'LagRead' });
  });

  it('a failed read keeps the stabilization history, so the window still holds afterwards', () => {
    const sim = new Simulation(resource(), 1);
    sim.poll(sixPartitions(600), t0);
    sim.poll(failed, after(15));
    expect(sim.r.status?.recommendations).toEqual([{ replicas: 6, time: t0.toISOString() }]);
    sim.poll(sixPartitions(0), after(30));
    expect(sim.replicas).toBe(6);
  });

  it('does not scale while the group rebalances, but remembers the recommendation', () => {
    const sim = new Simulation(resource(), 2);
    const d = sim.poll(lagOf([600, 0, 0, 0, 0, 0], 'PreparingRebalance'), t0);
    expect(d.scaleTo).toBeUndefined();
    expect(d.status.desiredReplicas).toBe(2);
    expect(condition(d, 'ScalingLimited')).toMatchObject({ status: 'True', reason: 'Rebalancing' });
    expect(condition(d, 'ScalingLimited')?.message).toContain('would be 6');
    expect(condition(d, 'Ready')?.status).toBe('True');
    expect(d.status.recommendations).toEqual([{ replicas: 6, time: t0.toISOString() }]);
    sim.poll(lagOf([600, 0, 0, 0, 0, 0], 'CompletingRebalance'), after(15));
    expect(sim.replicas).toBe(2);
    sim.poll(lagOf([600, 0, 0, 0, 0, 0], 'Stable'), after(30));
    expect(sim.replicas).toBe(6);
  });

  it('a missing target: TargetNotFound, nothing scaled, a warning', () => {
    const d = decide(resource(), { target: { found: false, message: 'not found' }, lag: sixPartitions(600) }, t0);
    expect(d.scaleTo).toBeUndefined();
    expect(condition(d, 'Ready')).toMatchObject({
      status: 'False',
      reason: 'TargetNotFound',
      message: 'Deployment/inventory: not found',
    });
    expect(condition(d, 'ScalingLimited')).toMatchObject({ status: 'True', reason: 'TargetNotFound' });
    expect(condition(d, 'Active')).toMatchObject({ status: 'True' });
    expect(d.status.totalLag).toBe(600);
    expect(d.status.currentReplicas).toBeUndefined();
    expect(d.events).toMatchObject([{ type: 'Warning', reason: 'TargetNotFound' }]);
  });

  it('a topic of spec.topics that does not exist: TopicNotFound, held (a partial lag could scale in)', () => {
    const d = decide(
      resource({ topics: ['ecom.orders', 'ecom.nope'] }),
      observe(4, lagOf([0], 'Stable', ['ecom.nope'])),
      t0,
    );
    expect(d.scaleTo).toBeUndefined();
    expect(condition(d, 'Ready')).toMatchObject({ status: 'False', reason: 'TopicNotFound' });
    expect(condition(d, 'Ready')?.message).toContain('ecom.nope');
  });

  it('no topics named and no offsets: NoTopics, telling what to set', () => {
    const d = decide(resource(), observe(3, lagOf([])), t0);
    expect(d.scaleTo).toBeUndefined();
    expect(condition(d, 'Ready')).toMatchObject({ status: 'False', reason: 'NoTopics' });
    expect(condition(d, 'Ready')?.message).toContain('list the topics it consumes in spec.topics');
  });

  it('warns again for the same problem after the spec changed (a new generation)', () => {
    const first = decide(resource(), { target: { found: false, message: 'not found' }, lag: sixPartitions(0) }, t0);
    const edited = { ...resource({}, 2), status: first.status };
    expect(
      decide(edited, { target: { found: false, message: 'not found' }, lag: sixPartitions(0) }, t0).events,
    ).toHaveLength(1);
  });
});

describe('decide: two autoscalers on one target', () => {
  it('the newer one stands aside: TargetConflict naming the owner, nothing scaled, a warning', () => {
    const d = decide(resource(), { ...observe(2, sixPartitions(900)), targetOwner: 'inventory-old' }, t0);
    expect(d.scaleTo).toBeUndefined();
    expect(condition(d, 'Ready')).toMatchObject({ status: 'False', reason: 'TargetConflict' });
    expect(condition(d, 'Ready')?.message).toContain('already scaled by ConsumerAutoscaler inventory-old');
    expect(condition(d, 'ScalingLimited')).toMatchObject({ status: 'True', reason: 'TargetConflict' });
    expect(d.events).toMatchObject([{ type: 'Warning', reason: 'TargetConflict' }]);
  });
});
