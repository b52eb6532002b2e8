import { setImmediate as tick } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { KickLoop } from './kick-loop.js';

/** A loop whose runs are counted and each held open until `finishRun`. */
function gatedLoop() {
  const state = { runs: 0, active: 0, maxActive: 0 };
  const open: Array<() => void> = [];
  const loop = new KickLoop(
    () => {
      state.runs++;
      state.maxActive = Math.max(state.maxActive, ++state.active);
      return new Promise<void>((resolve) => open.push(resolve)).finally(() => state.active--);
    },
    60_000,
    () => undefined,
  );
  const finishRun = async () => {
    open.shift()?.();
    await tick();
  };
  return { state, loop, finishRun };
}

describe('KickLoop', () => {
  it('folds a kick during a flush into one more run after it, never two at once', async () => {
    const { state, loop, finishRun } = gatedLoop();
    const flushed = loop.flush();
    loop.kick();
    expect(state.active).toBe(1);
    await finishRun();
    await flushed;
    expect(state.runs).toBe(2);
    await finishRun();
    await loop.stop();
    expect(state.maxActive).toBe(1);
  });

  it('flushes with a run of its own after the run in progress', async () => {
    const { state, loop, finishRun } = gatedLoop();
    loop.kick();
    const flushed = loop.flush();
    await finishRun();
    expect(state.runs).toBe(2);
    await finishRun();
    await flushed;
    expect(state.maxActive).toBe(1);
  });
});
