/**
 * The replica count the lag asks for: KEDA's Kafka scaler with the HorizontalPodAutoscaler's
 * AverageValue rule on top, minus the two ways they get stuck. Pure.
 */

/** The HorizontalPodAutoscaler's default tolerance: a usage ratio within 10 % of 1 keeps the count. */
export const TOLERANCE = 0.1;

/** Why a recommendation was bounded (ScalingLimited reasons). */
export type Limit = 'CappedAtPartitions' | 'TooManyReplicas' | 'TooFewReplicas';

export interface RecommendInput {
  totalLag: number;
  partitions: number;
  currentReplicas: number;
  lagThreshold: number;
  activationLagThreshold: number;
  minReplicas: number;
  maxReplicas: number;
}

export interface Recommendation {
  replicas: number;
  /** totalLag > activationLagThreshold. */
  active: boolean;
  /** The largest count worth having: min(maxReplicas, partitions), never below minReplicas. */
  upper: number;
  limit?: Limit;
  /** In words, for status.lastDecision and events. */
  why: string;
}

/** min(maxReplicas, partitions), but minReplicas wins over the partition cap: the user asked for it. */
export function effectiveMax(input: Pick<RecommendInput, 'partitions' | 'minReplicas' | 'maxReplicas'>): number {
  return Math.max(input.minReplicas, Math.min(input.maxReplicas, input.partitions));
}

export function recommend(input: RecommendInput): Recommendation {
  const { totalLag, partitions, currentReplicas: current, lagThreshold, minReplicas: min, maxReplicas: max } = input;
  const active = totalLag > input.activationLagThreshold;
  const upper = effectiveMax(input);
  if (!active && min === 0) {
    return {
      replicas: 0,
      active,
      upper,
      why: `total lag ${totalLag} is at or below activationLagThreshold ${input.activationLagThreshold}: inactive, 0 replicas`,
    };
  }
  const raw = Math.ceil(totalLag / lagThreshold);
  const formula = `ceil(total lag ${totalLag} / lagThreshold ${lagThreshold}) = ${raw}`;
  if (raw > upper) {
    const limit: Limit = max > partitions && partitions >= min ? 'CappedAtPartitions' : 'TooManyReplicas';
    const cap = limit === 'CappedAtPartitions' ? `the ${partitions} partitions of the topics` : `maxReplicas ${max}`;
    return { replicas: upper, active, upper, limit, why: `${formula}, capped at ${upper} (${cap})` };
  }
  if (raw < min) {
    return { replicas: min, active, upper, limit: 'TooFewReplicas', why: `${formula}, raised to minReplicas ${min}` };
  }
  // The tolerance keeps small lag changes from resizing the group, but never holds it short of a
  // bound: with 64 partitions a ratio of 64/63 is inside 10 %, and KEDA users sat at 63 replicas
  // (kedacore/keda#2908, #4791). A count outside the bounds is always brought back in.
  const inBounds = current >= min && current <= upper;
  if (current > 0 && inBounds && raw !== min && raw !== upper) {
    const ratio = totalLag / (lagThreshold * current);
    if (Math.abs(ratio - 1) <= TOLERANCE) {
      return {
        replicas: current,
        active,
        upper,
        why: `${formula}, within ${TOLERANCE * 100} % of the ${current} current replicas (ratio ${ratio.toFixed(2)}): kept at ${current}`,
      };
    }
  }
  return { replicas: raw, active, upper, why: formula };
}
