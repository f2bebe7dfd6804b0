// The motion events of signmnist.live.motion, ported rule for rule: the palm's centre (the mean of the `palm`
// landmarks) moving at least `distance` palm lengths (wrist to the middle finger's knuckle) within `window`
// seconds, once per movement.
import { palmLength } from "./hand.mjs";

export class Motion {
  constructor(distance, window, palm) {
    this.distance = distance;
    this.window = window;
    this.palm = palm;
    this.reset();
  }

  reset() {
    this.seen = []; // [time, [x, y]] within the window
    this.moving = false;
  }

  /** One frame: the hand's landmarks [[x, y, ...] x 21] in pixels (null: no hand) -> a motion event? */
  update(points, t) {
    if (!points || points.some((p) => Number.isNaN(p[0]) || Number.isNaN(p[1]))) {
      this.reset();
      return false;
    }
    const palm = palmLength(points);
    if (palm <= 0) return false;
    while (this.seen.length && t - this.seen[0][0] > this.window) this.seen.shift();
    let cx = 0,
      cy = 0;
    for (const i of this.palm) {
      cx += points[i][0];
      cy += points[i][1];
    }
    const centre = [cx / this.palm.length, cy / this.palm.length];
    let moved = 0;
    for (const [, c] of this.seen) moved = Math.max(moved, Math.hypot(centre[0] - c[0], centre[1] - c[1]) / palm);
    this.seen.push([t, centre]);
    if (moved < this.distance / 2) this.moving = false;
    if (moved >= this.distance && !this.moving) {
      this.moving = true;
      return true;
    }
    return false;
  }
}
