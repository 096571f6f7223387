import { html, type SafeHtml } from '../html.js';
import type { Distribution, FunnelStep } from '../overview-data.js';

const WIDTH = 640;
const LABEL_WIDTH = 170;
const BAR_HEIGHT = 26;
const GAP = 8;

/** The yield funnel as an inline SVG bar chart: one bar per step, the loss to the next one in red. */
export function funnelChart(steps: readonly FunnelStep[]): SafeHtml {
  const top = Math.max(1, steps[0]?.count ?? 1);
  const barSpace = WIDTH - LABEL_WIDTH - 60;
  const height = steps.length * (BAR_HEIGHT + GAP);
  const bars = steps.map((step, index) => {
    const y = index * (BAR_HEIGHT + GAP);
    const width = Math.round((step.count / top) * barSpace);
    const previous = index === 0 ? step.count : (steps[index - 1]?.count ?? step.count);
    const lost = Math.max(0, previous - step.count);
    const lostWidth = Math.round((lost / top) * barSpace);
    return html`<g class="step">
  <text x="${LABEL_WIDTH - 8}" y="${y + BAR_HEIGHT / 2 + 5}" text-anchor="end">${step.label}</text>
  <rect class="kept" x="${LABEL_WIDTH}" y="${y}" width="${Math.max(width, 1)}" height="${BAR_HEIGHT}"><title>${step.label}: ${step.count}</title></rect>
  ${lost > 0 ? html`<rect class="lost" x="${LABEL_WIDTH + width}" y="${y}" width="${Math.max(lostWidth, 1)}" height="${BAR_HEIGHT}"><title>lost: ${lost}</title></rect>` : ''}
  <text x="${LABEL_WIDTH + width + lostWidth + 6}" y="${y + BAR_HEIGHT / 2 + 5}">${step.count}${lost > 0 ? ` (−${lost})` : ''}</text>
</g>`;
  });
  return html`<svg class="funnel" role="img" aria-label="yield funnel" viewBox="0 0 ${WIDTH} ${height}" width="${WIDTH}" height="${height}">${bars}</svg>`;
}

/** One histogram as a small inline SVG column chart. */
export function distributionChart(distribution: Distribution): SafeHtml {
  const width = 300;
  const height = 120;
  const bins = distribution.bins;
  if (bins.length === 0) return html`<figure class="histogram"><figcaption>${distribution.label}</figcaption><p class="muted">no tasks</p></figure>`;
  const highest = Math.max(1, ...bins.map((bin) => bin.count));
  const columnWidth = width / bins.length;
  const columns = bins.map((bin, index) => {
    const barHeight = Math.round((bin.count / highest) * (height - 30));
    const label = bin.from === bin.to ? `${bin.from}` : `${bin.from}–${bin.to}`;
    return html`<g>
  <rect x="${index * columnWidth + 2}" y="${height - 16 - barHeight}" width="${columnWidth - 4}" height="${barHeight}"><title>${label}: ${bin.count}</title></rect>
  <text x="${index * columnWidth + columnWidth / 2}" y="${height - 3}" text-anchor="middle">${label}</text>
  ${bin.count > 0 ? html`<text x="${index * columnWidth + columnWidth / 2}" y="${height - 19 - barHeight}" text-anchor="middle">${bin.count}</text>` : ''}
</g>`;
  });
  return html`<figure class="histogram"><figcaption>${distribution.label}</figcaption><svg viewBox="0 0 ${width} ${height}" width="${width}" height="${height}">${columns}</svg></figure>`;
}
