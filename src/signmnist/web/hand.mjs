// What several of the page's modules measure on a hand (MediaPipe's 21 landmarks), defined once, as
// signmnist.vision.geometry defines it for Python.

export const WRIST = 0,
  THUMB_TIP = 4,
  INDEX_MCP = 5,
  MIDDLE_MCP = 9,
  PINKY_MCP = 17;

/** The palm's length in the image: wrist to the middle finger's knuckle, x and y only (geometry.palm_length). */
export function palmLength(points) {
  return Math.hypot(points[MIDDLE_MCP][0] - points[WRIST][0], points[MIDDLE_MCP][1] - points[WRIST][1]);
}

/** numpy's median (the mean of the middle two of an even count). */
export function median(values) {
  const v = [...values].sort((a, b) => a - b),
    m = v.length >> 1;
  return v.length % 2 ? v[m] : (v[m - 1] + v[m]) / 2;
}
