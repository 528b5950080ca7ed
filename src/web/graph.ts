import type { Network, NetworkEdge, NetworkNode } from "./api";
import { CYCLE_COLOR, industryColor } from "./colors";
import { compact, s, shortAddress } from "./dom";
import { forceLayout, type Point } from "./layout";
import { DUPLICATE_MARK, DUPLICATE_TITLE, memberLabel } from "./member-label";

const WIDTH = 760;
const HEIGHT = 440;

/**
 * The traffic network as SVG: members are circles coloured by industry, their area proportional
 * to the absolute credit balance (members in debit are drawn hollow); agreement flows are arrows
 * whose width grows with the referrals settled on them; flows of 3- and 4-party cycles are
 * amber; proposed flows are dashed.
 */
export function createNetworkGraph(svg: SVGSVGElement, onSelect: (member: string) => void) {
  svg.setAttribute("viewBox", `0 0 ${WIDTH} ${HEIGHT}`);
  svg.setAttribute("preserveAspectRatio", "xMidYMid meet");
  let positions = new Map<string, Point>();
  let shapeKey = "";

  function radiusOf(node: NetworkNode, maxAbs: number) {
    const abs = Math.abs(Number(node.balance));
    return 6 + 16 * Math.sqrt(maxAbs > 0 ? abs / maxAbs : 0);
  }

  function render(network: Network, selected: string | undefined) {
    const maxAbs = Math.max(0, ...network.nodes.map((n) => Math.abs(Number(n.balance))));
    const radius = new Map(network.nodes.map((n) => [n.id, radiusOf(n, maxAbs)]));
    const nextKey = `${network.nodes.map((n) => n.id).join(",")}|${network.edges.map((e) => `${e.from}>${e.to}:${e.state}`).join(",")}`;
    if (nextKey !== shapeKey) {
      positions = forceLayout(
        network.nodes.map((n) => ({ id: n.id, group: n.industry, radius: radius.get(n.id)! })),
        network.edges.filter((e) => e.state === "running"),
        positions,
        { width: WIDTH, height: HEIGHT, iterations: 400 },
      );
      shapeKey = nextKey;
    }
    const maxSettled = Math.max(1, ...network.edges.map((e) => e.settledReferrals));
    const names = new Map(network.nodes.map((n) => [n.id, memberLabel({ address: n.id, ...n })]));
    const defs = s(
      "defs",
      {},
      marker("arrow", "#8a96a3"),
      marker("arrow-cycle", CYCLE_COLOR),
      marker("arrow-proposed", "#b6bec7"),
      marker("arrow-selected", "#1f2933"),
    );
    const edgeLayer = s("g", { class: "edges" });
    for (const edge of network.edges) {
      const a = positions.get(edge.from);
      const b = positions.get(edge.to);
      if (!a || !b) continue;
      edgeLayer.append(edgePath(edge, a, b, radius.get(edge.to) ?? 6, maxSettled, names, selected));
    }
    const labels = placeLabels(network.nodes, positions, radius);
    const nodeLayer = s("g", { class: "nodes" });
    for (const node of network.nodes) {
      const p = positions.get(node.id);
      if (!p) continue;
      const r = radius.get(node.id)!;
      const color = industryColor(node.industry);
      const debit = Number(node.balance) < 0;
      const isSelected = node.id === selected;
      const g = s(
        "g",
        {
          class: `node${isSelected ? " selected" : ""}`,
          "data-member": node.id,
          transform: `translate(${p.x.toFixed(1)},${p.y.toFixed(1)})`,
          tabindex: 0,
          role: "button",
          "aria-label": `${names.get(node.id)}, ${node.industryLabel}, balance ${node.balance}`,
          onclick: () => onSelect(node.id),
          onkeydown: (event: Event) => {
            if ((event as KeyboardEvent).key === "Enter") onSelect(node.id);
          },
        },
        s(
          "title",
          {},
          `${names.get(node.id)} · ${node.industryLabel}${node.duplicateName ? `\n${DUPLICATE_MARK} ${DUPLICATE_TITLE}` : ""}\nbalance ${Number(node.balance).toLocaleString("en-US")} (limit ${Number(node.creditLimit).toLocaleString("en-US")})`,
        ),
        isSelected ? s("circle", { r: r + 5, class: "halo" }) : null,
        s("circle", {
          r,
          fill: debit ? "#ffffff" : color,
          stroke: color,
          "stroke-width": debit ? 2.5 : 1.5,
          "fill-opacity": 1,
        }),
        s(
          "text",
          {
            x: labels.get(node.id)!.dx,
            y: labels.get(node.id)!.dy,
            "text-anchor": labels.get(node.id)!.anchor,
            class: "label",
          },
          node.name,
        ),
        // Names are the members' own choice: the address under it tells look-alikes apart.
        s(
          "text",
          {
            x: labels.get(node.id)!.dx,
            y: labels.get(node.id)!.dy + 10,
            "text-anchor": labels.get(node.id)!.anchor,
            class: `address${node.duplicateName ? " duplicate" : ""}`,
          },
          `${node.duplicateName ? `${DUPLICATE_MARK} ` : ""}${shortAddress(node.id)}`,
        ),
      );
      nodeLayer.append(g);
    }
    svg.replaceChildren(defs, edgeLayer, nodeLayer);
  }
  return { render };
}

interface LabelPlace {
  dx: number;
  dy: number;
  anchor: "start" | "middle" | "end";
}

/**
 * Puts each name below its node, or above, right or left when that spot would cover another
 * label or node (largest nodes choose first). Text widths are estimated: no layout pass needed.
 */
function placeLabels(
  nodes: readonly NetworkNode[],
  positions: ReadonlyMap<string, Point>,
  radius: ReadonlyMap<string, number>,
) {
  const boxes: Array<{ x0: number; y0: number; x1: number; y1: number }> = [];
  const circles = nodes.flatMap((n) => {
    const p = positions.get(n.id);
    return p ? [{ id: n.id, x: p.x, y: p.y, r: radius.get(n.id) ?? 6 }] : [];
  });
  const places = new Map<string, LabelPlace>();
  const order = [...circles].sort((a, b) => b.r - a.r);
  const names = new Map(nodes.map((n) => [n.id, n.name]));
  for (const c of order) {
    const w = (names.get(c.id)?.length ?? 0) * 5.2;
    const candidates: LabelPlace[] = [
      { dx: 0, dy: c.r + 11, anchor: "middle" },
      { dx: 0, dy: -c.r - 4, anchor: "middle" },
      { dx: c.r + 4, dy: 3, anchor: "start" },
      { dx: -c.r - 4, dy: 3, anchor: "end" },
    ];
    const boxOf = (p: LabelPlace) => {
      const left =
        p.anchor === "middle" ? c.x + p.dx - w / 2 : p.anchor === "start" ? c.x + p.dx : c.x + p.dx - w;
      return { x0: left, y0: c.y + p.dy - 9, x1: left + w, y1: c.y + p.dy + 2 };
    };
    const clear = (b: { x0: number; y0: number; x1: number; y1: number }) =>
      boxes.every((o) => b.x1 < o.x0 || b.x0 > o.x1 || b.y1 < o.y0 || b.y0 > o.y1) &&
      circles.every(
        (o) =>
          o.id === c.id ||
          Math.hypot(Math.max(b.x0 - o.x, 0, o.x - b.x1), Math.max(b.y0 - o.y, 0, o.y - b.y1)) > o.r,
      );
    const chosen = candidates.find((p) => clear(boxOf(p))) ?? candidates[0];
    boxes.push(boxOf(chosen));
    places.set(c.id, chosen);
  }
  return places;
}

function marker(id: string, color: string) {
  return s(
    "marker",
    {
      id,
      viewBox: "0 0 10 10",
      refX: 9,
      refY: 5,
      // Fixed size in graph units: with the default (stroke-width units) heavy flows got huge heads.
      markerWidth: 9,
      markerHeight: 9,
      markerUnits: "userSpaceOnUse",
      orient: "auto-start-reverse",
    },
    s("path", { d: "M0,0 L10,5 L0,10 z", fill: color }),
  );
}

function edgePath(
  edge: NetworkEdge,
  a: Point,
  b: Point,
  targetRadius: number,
  maxSettled: number,
  names: ReadonlyMap<string, string>,
  selected: string | undefined,
) {
  const dx = b.x - a.x;
  const dy = b.y - a.y;
  const d = Math.max(1, Math.hypot(dx, dy));
  // Bend every edge to its left: a reciprocal pair becomes two distinct arcs.
  const bend = Math.min(40, d * 0.15);
  const mx = (a.x + b.x) / 2 - (dy / d) * bend;
  const my = (a.y + b.y) / 2 + (dx / d) * bend;
  // End the arrow on the target's rim.
  const tx = b.x - mx;
  const ty = b.y - my;
  const td = Math.max(1, Math.hypot(tx, ty));
  const ex = b.x - (tx / td) * (targetRadius + 3);
  const ey = b.y - (ty / td) * (targetRadius + 3);
  const width = edge.state === "proposed" ? 1.2 : 1 + 5 * Math.sqrt(edge.settledReferrals / maxSettled);
  const touchesSelected = selected !== undefined && (edge.from === selected || edge.to === selected);
  const tone =
    edge.state === "proposed" ? "proposed" : edge.cycle ? "cycle" : touchesSelected ? "selected" : "plain";
  const markerId = {
    proposed: "arrow-proposed",
    cycle: "arrow-cycle",
    selected: "arrow-selected",
    plain: "arrow",
  }[tone];
  return s(
    "path",
    {
      class: `edge ${tone}${selected !== undefined && !touchesSelected ? " dim" : ""}`,
      d: `M${a.x.toFixed(1)},${a.y.toFixed(1)} Q${mx.toFixed(1)},${my.toFixed(1)} ${ex.toFixed(1)},${ey.toFixed(1)}`,
      "stroke-width": width.toFixed(2),
      "marker-end": `url(#${markerId})`,
      "data-from": edge.from,
      "data-to": edge.to,
      "data-settled": edge.settledReferrals,
      "data-cycle": edge.cycle,
    },
    s(
      "title",
      {},
      `${names.get(edge.from)} → ${names.get(edge.to)}\n${edge.state === "proposed" ? "proposed" : `${compact(edge.settledReferrals)} referrals settled, ${compact(edge.settledCredits)} credits`}${edge.cycle ? "\npart of a cycle agreement" : ""}`,
    ),
  );
}
