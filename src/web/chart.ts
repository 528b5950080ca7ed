import type { BalanceHistory } from "./api";
import { SERIES_COLORS } from "./colors";
import { compact, h, s } from "./dom";
import { memberLabel } from "./member-label";

const W = 520;
const H = 210;
const M = { left: 52, right: 12, top: 10, bottom: 24 };

/** Credit balances over blocks as a multi-series SVG line chart with a zero line. */
export function renderBalanceChart(svg: SVGSVGElement, legend: HTMLElement, history: BalanceHistory) {
  svg.setAttribute("viewBox", `0 0 ${W} ${H}`);
  const series = history.series.filter((x) => x.points.length > 0);
  if (series.length === 0 || history.fromBlock === null || history.toBlock === null) {
    svg.replaceChildren(
      s("text", { x: W / 2, y: H / 2, class: "empty", "text-anchor": "middle" }, "No credits have moved yet"),
    );
    legend.replaceChildren();
    return;
  }
  const x0 = history.fromBlock;
  const x1 = Math.max(history.toBlock, x0 + 1);
  const values = series.flatMap((x) => x.points.map((p) => Number(p.balance)));
  let y0 = Math.min(0, ...values);
  let y1 = Math.max(0, ...values);
  if (y0 === y1) [y0, y1] = [y0 - 1, y1 + 1];
  const pad = (y1 - y0) * 0.06;
  y0 -= pad;
  y1 += pad;
  const sx = (b: number) => M.left + ((b - x0) / (x1 - x0)) * (W - M.left - M.right);
  const sy = (v: number) => M.top + (1 - (v - y0) / (y1 - y0)) * (H - M.top - M.bottom);
  const grid = s("g", { class: "grid" });
  for (const tick of ticks(y0, y1, 5)) {
    grid.append(
      s("line", { x1: M.left, x2: W - M.right, y1: sy(tick), y2: sy(tick), class: tick === 0 ? "zero" : "" }),
      s("text", { x: M.left - 6, y: sy(tick) + 3, "text-anchor": "end" }, compact(tick)),
    );
  }
  grid.append(
    s("text", { x: M.left, y: H - 6 }, `block ${x0.toLocaleString("en-US")}`),
    s("text", { x: W - M.right, y: H - 6, "text-anchor": "end" }, `block ${x1.toLocaleString("en-US")}`),
  );
  const lines = s("g", { class: "lines" });
  series.forEach((x, k) => {
    // Step line: a balance holds until the next block that moves it.
    let d = "";
    x.points.forEach((p, i) => {
      const px = sx(p.block).toFixed(1);
      const py = sy(Number(p.balance)).toFixed(1);
      d += i === 0 ? `M${px},${py}` : `H${px}V${py}`;
    });
    lines.append(
      s(
        "path",
        { d, stroke: SERIES_COLORS[k % SERIES_COLORS.length], class: "series", "data-member": x.member },
        s(
          "title",
          {},
          `${memberLabel({ address: x.member, ...x })}: ${Number(x.balance).toLocaleString("en-US")}`,
        ),
      ),
    );
  });
  svg.replaceChildren(grid, lines);
  legend.replaceChildren(
    ...series.map((x, k) =>
      h(
        "span",
        { class: "key" },
        h("i", { style: `background:${SERIES_COLORS[k % SERIES_COLORS.length]}` }),
        `${memberLabel({ address: x.member, ...x })} `,
        h("b", {}, compact(x.balance)),
      ),
    ),
  );
}

function ticks(lo: number, hi: number, count: number): number[] {
  const raw = (hi - lo) / count;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * mag).find((st) => st >= raw) ?? raw;
  const out: number[] = [];
  for (let t = Math.ceil(lo / step) * step; t <= hi; t += step) out.push(Math.round(t / step) * step);
  return out;
}
