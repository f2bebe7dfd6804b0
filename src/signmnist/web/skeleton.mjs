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
