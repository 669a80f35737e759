// Line charts drawn by uPlot (small, fast, canvas; no dependencies), with the numbers
// also in a table for screen readers and copy-paste.
import { useEffect, useRef } from "preact/hooks";
import uPlot from "uplot";
import "uplot/dist/uPlot.min.css";

const COLORS = ["#1565c0", "#2e7d32", "#e65100", "#8e24aa", "#c62828", "#00838f", "#6d4c41"];

export type Series = { label: string; values: (number | null)[] };

export function LineChart(props: {
  title: string;
  xLabel: string;
  x: number[];
  series: Series[];
  bars?: boolean;
  /** x is in seconds since the epoch. */
  time?: boolean;
  /** Draw a line across x values a series has no value at (curves logged at different steps). */
  spanGaps?: boolean;
}) {
  const el = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (!el.current || props.x.length === 0) return;
    const width = Math.max(280, Math.min(el.current.clientWidth || 640, 900));
    const plot = new uPlot(
      {
        width,
        height: 240,
        scales: { x: { time: !!props.time } },
        // Whole numbers on a count axis (versions, runs).
        axes: [{ label: props.xLabel, incrs: !props.time && props.x.every(Number.isInteger) ? [1, 2, 5, 10, 20, 50, 100] : undefined }, {}],
        series: [
          { label: props.xLabel },
          ...props.series.map((s, i) => ({
            label: s.label,
            stroke: COLORS[i % COLORS.length],
            width: props.bars ? 1 : 2,
            fill: props.bars ? `${COLORS[i % COLORS.length]}55` : undefined,
            paths: props.bars ? uPlot.paths.bars?.({ size: [0.9, 64] }) : undefined,
            points: { show: !props.bars && props.x.length <= 60 },
            spanGaps: !!props.spanGaps,
          })),
        ],
      },
      [props.x, ...props.series.map((s) => s.values)] as uPlot.AlignedData,
      el.current,
    );
    return () => plot.destroy();
  }, [JSON.stringify(props)]);
  return (
    <figure class="chart">
      <div ref={el} role="img" aria-label={props.title} />
      <figcaption>{props.title}</figcaption>
    </figure>
  );
}
