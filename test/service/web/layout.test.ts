import { expect } from "chai";
import { forceLayout } from "../../../src/web/layout";

describe("dashboard force layout", () => {
  const nodes = Array.from({ length: 30 }, (_, k) => ({
    id: `m${k}`,
    group: `g${k % 5}`,
    radius: 6 + (k % 4) * 4,
  }));
  const edges = Array.from({ length: 40 }, (_, k) => ({ from: `m${k % 30}`, to: `m${(k * 7 + 3) % 30}` }));
  const box = { width: 760, height: 440, iterations: 300 };

  it("places every node inside the box, apart from the others, the same way every time", () => {
    const a = forceLayout(nodes, edges, new Map(), box);
    const b = forceLayout(nodes, edges, new Map(), box);
    expect([...a.entries()]).to.deep.equal([...b.entries()]);
    expect(a.size).to.equal(30);
    for (const p of a.values()) {
      expect(p.x).to.be.within(0, box.width);
      expect(p.y).to.be.within(0, box.height);
    }
    const points = [...a.values()];
    let closest = Number.POSITIVE_INFINITY;
    for (let i = 0; i < points.length; i++)
      for (let j = i + 1; j < points.length; j++)
        closest = Math.min(closest, Math.hypot(points[i].x - points[j].x, points[i].y - points[j].y));
    expect(closest).to.be.greaterThan(12);
  });

  it("keeps known nodes near where they were when the graph updates", () => {
    const first = forceLayout(nodes, edges, new Map(), box);
    const next = forceLayout(nodes, edges, first, box);
    for (const [id, p] of next) {
      const before = first.get(id)!;
      expect(Math.hypot(p.x - before.x, p.y - before.y), id).to.be.lessThan(60);
    }
  });
});
