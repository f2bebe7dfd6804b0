// The hand's skeleton over a picture, drawn the same way by the server's page and the offline page. The bones
// are Python's (signmnist.vision.geometry.BONES), read from the page's config (model.json or /page.json).

/** Draw the bones and joints of a hand, `xy` its 21 points in the canvas's pixels, on a 2D context `g`. */
export function drawSkeleton(g, xy, bones, color = "rgba(34, 197, 94, .9)") {
  g.lineWidth = 3;
  g.strokeStyle = color;
  g.fillStyle = "#fff";
  for (const [a, b] of bones) {
    g.beginPath();
    g.moveTo(...xy[a]);
    g.lineTo(...xy[b]);
    g.stroke();
  }
  for (const [x, y] of xy) {
    g.beginPath();
    g.arc(x, y, 3.5, 0, 2 * Math.PI);
    g.fill();
  }
}

/** Draw the path a fingertip is tracing (a J or Z in the air), `xy` its points in the canvas's pixels. */
export function drawTrace(g, xy, color = "rgba(250, 204, 21, .95)") {
  if (!xy || xy.length < 2) return;
  g.lineWidth = 5;
  g.lineCap = "round";
  g.lineJoin = "round";
  g.strokeStyle = color;
  g.beginPath();
  g.moveTo(...xy[0]);
  for (const p of xy.slice(1)) g.lineTo(...p);
  g.stroke();
}
