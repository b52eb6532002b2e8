/**
 * The HorizontalPodAutoscaler's stabilization windows (stabilizeRecommendationWithBehaviors): the
 * target moves up only to the lowest, and down only to the highest, recommendation made within the
 * up and down windows. Pure; the history lives in status, so it survives an operator restart.
 */

/** One replica count and the last time it was recommended. */
export interface PastRecommendation {
  replicas: number;
  time: string;
}

export interface StabilizeInput {
  history: readonly PastRecommendation[];
  recommendation: number;
  currentReplicas: number;
  upWindowSeconds: number;
  downWindowSeconds: number;
  now: Date;
}

export interface Stabilized {
  replicas: number;
  /** Set when a window held the target away from the recommendation. */
  held?: 'ScaleUpStabilized' | 'ScaleDownStabilized';
  /** The recommendation within the window that decided, when one did. */
  windowReplicas?: number;
  /** The history to keep: this recommendation added, entries older than both windows dropped. */
  history: PastRecommendation[];
}

export function stabilize(input: StabilizeInput): Stabilized {
  const { recommendation, currentReplicas: current, now } = input;
  const t = now.getTime();
  const upCutoff = t - input.upWindowSeconds * 1000;
  const downCutoff = t - input.downWindowSeconds * 1000;
  let up = recommendation;
  let down = recommendation;
  for (const past of input.history) {
    const at = Date.parse(past.time);
    if (at > upCutoff) up = Math.min(up, past.replicas);
    if (at > downCutoff) down = Math.max(down, past.replicas);
  }
  let replicas = current;
  if (replicas < up) replicas = up;
  if (replicas > down) replicas = down;

  // Only the latest time of each count matters (is it inside a window?), so one entry per count.
  const keepAfter = Math.min(upCutoff, downCutoff);
  const latest = new Map<number, number>();
  for (const past of input.history) {
    const at = Date.parse(past.time);
    if (at > keepAfter && at > (latest.get(past.replicas) ?? Number.NEGATIVE_INFINITY)) latest.set(past.replicas, at);
  }
  latest.set(recommendation, t);
  const history = [...latest]
    .sort(([ra, a], [rb, b]) => b - a || ra - rb)
    .map(([r, at]) => ({ replicas: r, time: new Date(at).toISOString() }));

  if (replicas > recommendation) return { replicas, held: 'ScaleDownStabilized', windowReplicas: down, history };
  if (replicas < recommendation) return { replicas, held: 'ScaleUpStabilized', windowReplicas: up, history };
  return { replicas, history };
}
