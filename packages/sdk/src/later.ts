/**
 * Runs `step` once the page has loaded: work that can wait (writing a cookie back, sending what
 * an earlier page left) then does not hold up the page's own start or its first paint.
 */
export function afterLoad(step: () => void): void {
  if (document.readyState == 'complete') setTimeout(step);
  else addEventListener('load', step, { once: true });
}

/** A task later: after the script that asked, and whatever the page runs right after it. */
export const nextTask = () => new Promise((resolve) => setTimeout(resolve));

/** Runs `step` in a task after the next frame is rendered, so what it changes is laid out in the frame after. */
export const afterFrame = (step: () => void) => requestAnimationFrame(() => setTimeout(step));
