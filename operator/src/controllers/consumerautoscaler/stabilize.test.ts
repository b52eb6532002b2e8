import { describe, expect, it } from 'vitest';
import { type PastRecommendation, stabilize } from './stabilize.js';

const now = new Date('2026-01-01T12:00:00.000Z');
const ago = (seconds: number) => new Date(now.getTime() - seconds * 1000).toISOString();
const at = (replicas: number, secondsAgo: number): PastRecommendation => ({ replicas, time: ago(secondsAgo) });
const windows = { upWindowSeconds: 0, downWindowSeconds: 300, now };

describe('stabilize (HPA behaviour)', () => {
  it.each([
    {
      name: 'scales down only to the highest recommendation in the down window',
      history: [at(8, 200), at(5, 100)],
      recommendation: 2,
      current: 8,
      replicas: 8,
      held: 'ScaleDownStabilized',
    },
    {
      name: 'a high recommendation older than the window no longer counts',
      history: [at(8, 301), at(5, 100)],
      recommendation: 2,
      current: 8,
      replicas: 5,
      held: 'ScaleDownStabilized',
    },
    {
      name: 'once the whole window recommends less, the target goes down',
      history: [at(8, 400), at(2, 100)],
      recommendation: 2,
      current: 8,
      replicas: 2,
    },
    {
      name: 'the down window never scales up: current 4, window remembers 6, recommendation 3',
      history: [at(6, 60)],
      recommendation: 3,
      current: 4,
      replicas: 4,
      held: 'ScaleDownStabilized',
    },
    {
      name: 'scale up with a 0 s up window is immediate',
      history: [at(1, 10)],
      recommendation: 6,
      current: 1,
      replicas: 6,
    },
    {
      name: 'no history: the recommendation',
      history: [],
      recommendation: 3,
      current: 5,
      replicas: 3,
    },
  ])('$name', ({ history, recommendation, current, replicas, held }) => {
    const s = stabilize({ ...windows, history, recommendation, currentReplicas: current });
    expect(s.replicas).toBe(replicas);
    expect(s.held).toBe(held);
  });

  it('an up window scales up only to the lowest recommendation in it', () => {
    const s = stabilize({
      history: [at(2, 30), at(4, 10)],
      recommendation: 8,
      currentReplicas: 2,
      upWindowSeconds: 60,
      downWindowSeconds: 300,
      now,
    });
    expect(s).toMatchObject({ replicas: 2, held: 'ScaleUpStabilized', windowReplicas: 2 });
    const later = stabilize({
      history: [at(2, 61), at(4, 10)],
      recommendation: 8,
      currentReplicas: 2,
      upWindowSeconds: 60,
      downWindowSeconds: 300,
      now,
    });
    expect(later.replicas).toBe(4);
  });

  it('keeps one entry per count (its latest time), adds this one, drops what both windows forgot', () => {
    const s = stabilize({
      ...windows,
      history: [at(3, 20), at(3, 250), at(5, 100), at(9, 301)],
      recommendation: 4,
      currentReplicas: 5,
    });
    expect(s.history).toEqual([
      { replicas: 4, time: now.toISOString() },
      { replicas: 3, time: ago(20) },
      { replicas: 5, time: ago(100) },
    ]);
  });

  it('the same recommendation again only moves its time: the history stays small', () => {
    let history: PastRecommendation[] = [];
    for (let i = 0; i < 100; i++) {
      history = stabilize({
        ...windows,
        now: new Date(now.getTime() + i * 15_000),
        history,
        recommendation: 3,
        currentReplicas: 3,
      }).history;
    }
    expect(history).toHaveLength(1);
  });

  it('ignores an entry with an unparseable time (hand-edited status)', () => {
    const s = stabilize({
      ...windows,
      history: [{ replicas: 9, time: 'yesterday' }],
      recommendation: 2,
      currentReplicas: 9,
    });
    expect(s.replicas).toBe(2);
    expect(s.history).toEqual([{ replicas: 2, time: now.toISOString() }]);
  });
});
