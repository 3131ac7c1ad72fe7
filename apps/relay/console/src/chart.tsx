import { useEffect, useRef } from 'preact/hooks';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';

const WINDOW_S = 300;

const COLORS = ['#2563eb', '#16a34a', '#d97706', '#db2777', '#7c3aed', '#0891b2', '#dc2626', '#4b5563'];

export interface ChartSeries {
  readonly label: string;
  readonly values: readonly (number | null)[];
}

/**
 * A line chart of per-second rates over time (uPlot: canvas, small and fast). `x` are epoch ms; each series
 * has one value per x. `data-total` carries the sum of what is drawn, so a test can see the chart move.
 */
export function RateChart(props: {
  id: string;
  title: string;
  x: readonly number[];
  series: readonly ChartSeries[];
  format: (value: number) => string;
}) {
  const box = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);
  const labels = props.series.map((s) => s.label).join('\n');
  const format = useRef(props.format);
  format.current = props.format;

  useEffect(() => {
    const el = box.current!;
    const opts: uPlot.Options = {
      width: Math.max(200, el.clientWidth),
      height: 180,
      legend: { show: true },
      cursor: { drag: { x: false, y: false } },
      scales: {
        // Always the last five minutes, so the axis reads in minutes and a new relay's line grows from the right.
        x: {
          time: true,
          range: (_u, _min, max) => {
            const end = max ?? Date.now() / 1000;
            return [end - WINDOW_S, end];
          },
        },
        y: { range: (_u, _min, max) => [0, max > 0 ? max * 1.1 : 1] },
      },
      axes: [
        {
          stroke: '#64748b',
          grid: { stroke: '#e2e8f0' },
          space: 70,
          // One line of wall-clock time: uPlot's two-line default overlaps on a five-minute axis.
          values: (_u, ticks) =>
            ticks.map((t) => new Date(t * 1000).toLocaleTimeString(undefined, { hour12: false })),
        },
        {
          stroke: '#64748b',
          grid: { stroke: '#e2e8f0' },
          size: 70,
          values: (_u, ticks) => ticks.map((v) => format.current(v)),
        },
      ],
      series: [
        {},
        ...props.series.map((s, i) => ({
          label: s.label,
          stroke: COLORS[i % COLORS.length],
          width: 2,
          points: { show: false },
          value: (_u: uPlot, v: number | null) => (v === null ? '–' : format.current(v)),
        })),
      ],
    };
    plot.current = new uPlot(opts, toData(props.x, props.series), el);
    const resize = new ResizeObserver(() =>
      plot.current?.setSize({ width: Math.max(200, el.clientWidth), height: 180 }),
    );
    resize.observe(el);
    return () => {
      resize.disconnect();
      plot.current?.destroy();
      plot.current = null;
    };
  }, [labels]);

  useEffect(() => {
    plot.current?.setData(toData(props.x, props.series));
  }, [props.x, props.series]);

  const total = props.series.reduce((sum, s) => sum + s.values.reduce<number>((a, v) => a + (v ?? 0), 0), 0);
  return (
    <figure class="chart" data-chart={props.id} data-total={String(Math.round(total))}>
      <figcaption>{props.title}</figcaption>
      <div ref={box} />
    </figure>
  );
}

function toData(x: readonly number[], series: readonly ChartSeries[]): uPlot.AlignedData {
  return [x.map((t) => t / 1000), ...series.map((s) => [...s.values])] as uPlot.AlignedData;
}
