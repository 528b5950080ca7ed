/** Inline SVG charts for the HTML report: no script, no external file, readable when printed. */

const PALETTE = ["#2563eb", "#dc2626", "#16a34a", "#d97706", "#7c3aed", "#0891b2", "#db2777", "#4b5563"];

export const escapeHtml = (text: string): string =>
  text.replace(
    /[&<>"']/g,
    (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c] ?? c,
  );

export interface LineSeries {
  label: string;
  points: { x: number; y: number }[];
}

/**
 * A line chart of several series over a shared x axis (step lines: a balance holds until the next
 * change), with a zero line, axis labels and a legend.
 */
export function lineChartSvg(
  series: LineSeries[],
  options: { title: string; xLabel: string; yLabel: string; id: string; width?: number; height?: number },
): string {
  const width = options.width ?? 760;
  const height = options.height ?? 300;
  const pad = { left: 70, right: 170, top: 30, bottom: 40 };
  const all = series.flatMap((s) => s.points);
  if (all.length === 0) return emptyChart(options.id, options.title, width);
  const xs = all.map((p) => p.x);
  const ys = [0, ...all.map((p) => p.y)];
  const [xMin, xMax] = [Math.min(...xs), Math.max(...xs)];
  const [yMin, yMax] = [Math.min(...ys), Math.max(...ys)];
  const sx = (x: number) => pad.left + ((x - xMin) / (xMax - xMin || 1)) * (width - pad.left - pad.right);
  const sy = (y: number) =>
    height - pad.bottom - ((y - yMin) / (yMax - yMin || 1)) * (height - pad.top - pad.bottom);
  const paths = series.map((s, i) => {
    let d = "";
    s.points.forEach((p, j) => {
      d +=
        j === 0
          ? `M${sx(p.x).toFixed(1)},${sy(p.y).toFixed(1)}`
          : `H${sx(p.x).toFixed(1)}V${sy(p.y).toFixed(1)}`;
    });
    const colour = PALETTE[i % PALETTE.length];
    return `<path class="series" d="${d}" fill="none" stroke="${colour}" stroke-width="2"><title>${escapeHtml(s.label)}</title></path>`;
  });
  const legend = series.map(
    (s, i) =>
      `<g transform="translate(${width - pad.right + 12},${pad.top + i * 18})"><rect width="12" height="12" fill="${PALETTE[i % PALETTE.length]}"/><text x="16" y="10" font-size="11">${escapeHtml(s.label)}</text></g>`,
  );
  const ticks = [yMin, (yMin + yMax) / 2, yMax].map(
    (y) =>
      `<text x="${pad.left - 6}" y="${sy(y) + 4}" font-size="10" text-anchor="end">${Math.round(y)}</text>`,
  );
  return `<svg id="${options.id}" class="chart" role="img" aria-label="${escapeHtml(options.title)}" xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}">
<text x="${pad.left}" y="18" font-size="13" font-weight="600">${escapeHtml(options.title)}</text>
<line x1="${pad.left}" x2="${width - pad.right}" y1="${sy(0)}" y2="${sy(0)}" stroke="#9ca3af" stroke-dasharray="4 3"/>
<line x1="${pad.left}" x2="${pad.left}" y1="${pad.top}" y2="${height - pad.bottom}" stroke="#6b7280"/>
${ticks.join("")}
<text x="${(pad.left + width - pad.right) / 2}" y="${height - 8}" font-size="11" text-anchor="middle">${escapeHtml(options.xLabel)} (${xMin}–${xMax})</text>
<text x="14" y="${(pad.top + height - pad.bottom) / 2}" font-size="11" transform="rotate(-90 14 ${(pad.top + height - pad.bottom) / 2})" text-anchor="middle">${escapeHtml(options.yLabel)}</text>
${paths.join("\n")}
${legend.join("")}
</svg>`;
}

/** A horizontal bar chart, one bar per labelled value. */
export function barChartSvg(
  bars: { label: string; value: number }[],
  options: { title: string; id: string; width?: number },
): string {
  const width = options.width ?? 760;
  if (bars.length === 0) return emptyChart(options.id, options.title, width);
  const rowHeight = 22;
  const labelWidth = 200;
  const height = 40 + bars.length * rowHeight;
  const max = Math.max(1, ...bars.map((b) => Math.abs(b.value)));
  const scale = (width - labelWidth - 90) / max;
  const rows = bars.map((bar, i) => {
    const y = 30 + i * rowHeight;
    const w = Math.max(1, Math.abs(bar.value) * scale);
    return `<g class="bar"><text x="${labelWidth - 8}" y="${y + 14}" font-size="11" text-anchor="end">${escapeHtml(bar.label)}</text><rect x="${labelWidth}" y="${y}" width="${w.toFixed(1)}" height="16" fill="${PALETTE[i % PALETTE.length]}"><title>${escapeHtml(`${bar.label}: ${bar.value}`)}</title></rect><text x="${labelWidth + w + 6}" y="${y + 13}" font-size="11">${bar.value}</text></g>`;
  });
  return `<svg id="${options.id}" class="chart" role="img" aria-label="${escapeHtml(options.title)}" xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}">
<text x="8" y="18" font-size="13" font-weight="600">${escapeHtml(options.title)}</text>
${rows.join("\n")}
</svg>`;
}

function emptyChart(id: string, title: string, width: number): string {
  return `<svg id="${id}" class="chart" role="img" aria-label="${escapeHtml(title)}" xmlns="http://www.w3.org/2000/svg" width="${width}" height="60" viewBox="0 0 ${width} 60"><text x="8" y="18" font-size="13" font-weight="600">${escapeHtml(title)}</text><text x="8" y="44" font-size="12">no data in this block range</text></svg>`;
}
