/*
 * A small hand-written SVG chart writer for the benchmark's pictures (docs/*.svg): a
 * horizontal bar chart and a log-log line chart, plain SVG 1.1, no fonts to load, no
 * scripts. Enough for figures that change with every run; not a charting library.
 */
const W = 720;
const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const COLORS = ['#2f6fdf', '#e0692b', '#2a9d5b', '#a23cc2', '#c9a227'];
const fmt = (v: number) => (v >= 100 ? Math.round(v).toLocaleString('en-US') : v >= 1 ? v.toFixed(1) : v.toPrecision(2));

export function barChart(c: { title: string; unit: string; bars: Array<{ label: string; value: number; note?: string }>; log?: boolean }): string {
  const rowH = 28;
  const left = 300;
  const top = 40;
  const h = top + c.bars.length * rowH + 30;
  const max = Math.max(...c.bars.map((b) => b.value), 1e-9);
  const scale = (v: number) => (c.log ? (Math.log10(Math.max(v, 1)) / Math.log10(Math.max(max, 10))) : v / max) * (W - left - 120);
  const rows = c.bars.map((b, i) => {
    const y = top + i * rowH;
    const w = Math.max(1, scale(b.value));
    return (
      `<text x="${left - 8}" y="${y + 18}" text-anchor="end">${esc(b.label)}</text>` +
      `<rect x="${left}" y="${y + 4}" width="${w.toFixed(1)}" height="${rowH - 8}" fill="${COLORS[i % COLORS.length]}"/>` +
      `<text x="${(left + w + 6).toFixed(1)}" y="${y + 18}">${esc(`${fmt(b.value)} ${c.unit}${b.note ? ` ${b.note}` : ''}`)}</text>`
    );
  });
  return svg(h, c.title, rows.join('\n') + `<text x="${left}" y="${h - 8}" class="axis">${c.log ? 'log scale' : 'linear scale'}</text>`);
}

export function lineChart(c: {
  title: string;
  xLabel: string;
  yLabel: string;
  series: Array<{ name: string; points: Array<[number, number]> }>;
}): string {
  const H = 380;
  const [left, right, top, bottom] = [80, 180, 40, 50];
  const all = c.series.flatMap((s) => s.points).filter(([x, y]) => x > 0 && y > 0);
  if (all.length === 0) return svg(120, c.title, '<text x="20" y="70">no data in this run</text>');
  const lx = all.map(([x]) => Math.log10(x));
  const ly = all.map(([, y]) => Math.log10(y));
  const [x0, x1] = [Math.floor(Math.min(...lx)), Math.ceil(Math.max(...lx)) || 1];
  const [y0, y1] = [Math.floor(Math.min(...ly)), Math.ceil(Math.max(...ly))];
  const px = (x: number) => left + ((Math.log10(x) - x0) / Math.max(x1 - x0, 1)) * (W - left - right);
  const py = (y: number) => H - bottom - ((Math.log10(y) - y0) / Math.max(y1 - y0, 1)) * (H - top - bottom);
  const grid: string[] = [];
  for (let e = x0; e <= x1; e++) grid.push(`<line x1="${px(10 ** e)}" y1="${top}" x2="${px(10 ** e)}" y2="${H - bottom}" class="grid"/><text x="${px(10 ** e)}" y="${H - bottom + 16}" text-anchor="middle" class="axis">${fmt(10 ** e)}</text>`);
  for (let e = y0; e <= Math.max(y1, y0 + 1); e++) grid.push(`<line x1="${left}" y1="${py(10 ** e)}" x2="${W - right}" y2="${py(10 ** e)}" class="grid"/><text x="${left - 6}" y="${py(10 ** e) + 4}" text-anchor="end" class="axis">${fmt(10 ** e)}</text>`);
  const lines = c.series.map((s, i) => {
    const pts = s.points.filter(([x, y]) => x > 0 && y > 0);
    const color = COLORS[i % COLORS.length];
    const path = pts.map(([x, y], j) => `${j ? 'L' : 'M'}${px(x).toFixed(1)},${py(y).toFixed(1)}`).join(' ');
    const dots = pts.map(([x, y]) => `<circle cx="${px(x).toFixed(1)}" cy="${py(y).toFixed(1)}" r="3" fill="${color}"/>`).join('');
    const legendY = top + 10 + i * 20;
    return `<path d="${path}" fill="none" stroke="${color}" stroke-width="2"/>${dots}<rect x="${W - right + 12}" y="${legendY - 9}" width="12" height="12" fill="${color}"/><text x="${W - right + 30}" y="${legendY + 1}">${esc(s.name)}</text>`;
  });
  const labels =
    `<text x="${(left + W - right) / 2}" y="${H - 10}" text-anchor="middle" class="axis">${esc(c.xLabel)} (log)</text>` +
    `<text x="16" y="${(top + H - bottom) / 2}" transform="rotate(-90 16 ${(top + H - bottom) / 2})" text-anchor="middle" class="axis">${esc(c.yLabel)} (log)</text>`;
  return svg(H, c.title, grid.join('\n') + lines.join('\n') + labels);
}

function svg(height: number, title: string, body: string): string {
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${height}" viewBox="0 0 ${W} ${height}" font-family="sans-serif" font-size="12">
<style>.grid{stroke:#ddd;stroke-width:1}.axis{fill:#555;font-size:11px}</style>
<rect width="100%" height="100%" fill="#fff"/>
<text x="12" y="22" font-size="15" font-weight="bold">${esc(title)}</text>
${body}
</svg>
`;
}
