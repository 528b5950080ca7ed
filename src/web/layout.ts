/**
 * A small force-directed layout: nodes repel each other, flows pull their ends together like
 * springs, a weak gravity keeps the graph centred. Deterministic (no randomness), so the same
 * consortium always draws the same picture, and incremental: known nodes keep their positions
 * when the graph updates, new ones start on a circle grouped by industry.
 */

export interface LayoutNode {
  id: string;
  group: string;
  radius: number;
}

export interface LayoutEdge {
  from: string;
  to: string;
}

export interface Point {
  x: number;
  y: number;
}

export function forceLayout(
  nodes: readonly LayoutNode[],
  edges: readonly LayoutEdge[],
  previous: ReadonlyMap<string, Point>,
  options: { width: number; height: number; iterations: number },
): Map<string, Point> {
  const { width, height } = options;
  const cx = width / 2;
  const cy = height / 2;
  const sorted = [...nodes].sort((a, b) => a.group.localeCompare(b.group) || a.id.localeCompare(b.id));
  const pos = new Map<string, Point>();
  sorted.forEach((n, k) => {
    const known = previous.get(n.id);
    const angle = (2 * Math.PI * k) / Math.max(1, sorted.length);
    pos.set(
      n.id,
      known
        ? { ...known }
        : { x: cx + Math.cos(angle) * width * 0.35, y: cy + Math.sin(angle) * height * 0.35 },
    );
  });
  const ids = sorted.map((n) => n.id);
  const radius = new Map(nodes.map((n) => [n.id, n.radius]));
  const links = edges.filter((e) => pos.has(e.from) && pos.has(e.to) && e.from !== e.to);
  const degree = new Map<string, number>();
  for (const e of links) {
    degree.set(e.from, (degree.get(e.from) ?? 0) + 1);
    degree.set(e.to, (degree.get(e.to) ?? 0) + 1);
  }
  const area = width * height;
  const aspect = width / height;
  const ideal = Math.sqrt(area / Math.max(1, nodes.length)) * 0.75;
  const allKnown = nodes.every((n) => previous.has(n.id));
  const iterations = allKnown ? Math.min(40, options.iterations) : options.iterations;
  for (let it = 0; it < iterations; it++) {
    // Cooling: large moves first, fine adjustments at the end.
    const temperature = (allKnown ? 0.1 : 1) * ideal * 0.5 * (1 - it / iterations) + 0.5;
    const force = new Map(ids.map((id) => [id, { x: 0, y: 0 }]));
    for (let i = 0; i < ids.length; i++) {
      const a = pos.get(ids[i])!;
      for (let j = i + 1; j < ids.length; j++) {
        const b = pos.get(ids[j])!;
        let dx = a.x - b.x;
        let dy = a.y - b.y;
        let d = Math.hypot(dx, dy);
        if (d < 0.01) {
          dx = (i - j) * 0.01;
          dy = 0.01;
          d = Math.hypot(dx, dy);
        }
        const minGap = radius.get(ids[i])! + radius.get(ids[j])! + 14;
        const repulse = (ideal * ideal) / d + (d < minGap ? (minGap - d) * 4 : 0);
        const fa = force.get(ids[i])!;
        const fb = force.get(ids[j])!;
        fa.x += (dx / d) * repulse;
        fa.y += (dy / d) * repulse;
        fb.x -= (dx / d) * repulse;
        fb.y -= (dy / d) * repulse;
      }
    }
    for (const e of links) {
      const a = pos.get(e.from)!;
      const b = pos.get(e.to)!;
      const dx = a.x - b.x;
      const dy = a.y - b.y;
      const d = Math.max(0.01, Math.hypot(dx, dy));
      const attract = (d * d) / ideal / 2;
      const fa = force.get(e.from)!;
      const fb = force.get(e.to)!;
      fa.x -= (dx / d) * attract;
      fa.y -= (dy / d) * attract;
      fb.x += (dx / d) * attract;
      fb.y += (dy / d) * attract;
    }
    for (const id of ids) {
      const p = pos.get(id)!;
      const f = force.get(id)!;
      // Gravity: stronger for isolated members so they stay near the rest.
      const g = degree.has(id) ? 0.02 : 0.06;
      // Pulled harder vertically, so the graph takes the wide shape of its card.
      f.x += (cx - p.x) * g * ideal * 0.1;
      f.y += (cy - p.y) * g * ideal * 0.1 * aspect * aspect;
      const len = Math.hypot(f.x, f.y);
      if (len > 0) {
        const step = Math.min(len, temperature);
        p.x += (f.x / len) * step;
        p.y += (f.y / len) * step;
      }
    }
  }
  return fit(pos, radius, width, height);
}

/** Scales and centres the layout into the box, leaving room for the largest node and its label. */
function fit(pos: Map<string, Point>, radius: ReadonlyMap<string, number>, width: number, height: number) {
  if (pos.size === 0) return pos;
  const pad = 34;
  let [minX, minY, maxX, maxY] = [Infinity, Infinity, -Infinity, -Infinity];
  for (const p of pos.values()) {
    minX = Math.min(minX, p.x);
    minY = Math.min(minY, p.y);
    maxX = Math.max(maxX, p.x);
    maxY = Math.max(maxY, p.y);
  }
  const largest = Math.max(...radius.values());
  const spanX = Math.max(1, maxX - minX);
  const spanY = Math.max(1, maxY - minY);
  // Stretch each axis to the box (within a factor of 1.6 of each other): a round force layout
  // would otherwise leave the sides of a wide card empty.
  let scaleX = (width - 2 * (pad + largest)) / spanX;
  let scaleY = (height - 2 * (pad + largest)) / spanY;
  scaleX = Math.min(scaleX, scaleY * 1.6);
  scaleY = Math.min(scaleY, scaleX * 1.6);
  const offsetX = (width - spanX * scaleX) / 2;
  const offsetY = (height - spanY * scaleY) / 2;
  const fitted = new Map<string, Point>();
  for (const [id, p] of pos)
    fitted.set(id, { x: offsetX + (p.x - minX) * scaleX, y: offsetY + (p.y - minY) * scaleY });
  return fitted;
}
