/**
 * Charts drawn on the server as SVG: no chart library in the browser, readable without script. An
 * SVG scales its text with its width, so each chart is drawn twice, for a desktop and for a phone
 * (admin.css shows one): each drawing is shown no narrower than it was drawn for, so its 12-13 px
 * labels never shrink below 12 px.
 */
import { formatCount } from "../lib/format";
import { plural } from "../lib/plural";

const TEAM_COLOURS = ["#1d4aff", "#f54e00", "#2e9c55", "#b62ad9", "#e8b517", "#0aa8b4", "#d9412b", "#7a5a3a"];

function teamColour(index: number): string {
  return TEAM_COLOURS[index % TEAM_COLOURS.length]!;
}

/** Drawing widths: the desktop card's content is at least this wide where admin.css shows it, the phone's too. */
const WIDE = 880;
const NARROW = 260;
/** The phone's CSAT chart keeps its months this far apart, so it shows the last six. */
const NARROW_CSAT_MONTHS = 6;

/** At most this many steps up the count axis: five labels, well apart on the 240-unit-high chart. */
const MAX_COUNT_STEPS = 4;

/**
 * The labels of an axis of counts: whole numbers from 0, a step of 1, 2 or 5 times a power of ten
 * apart, up to the first at or above the largest count (0 to 1 when there is nothing yet).
 */
export function countTicks(largest: number): number[] {
  const top = Math.max(1, Math.ceil(largest));
  // The steps in turn: 1, 2, 5, 10, 20, 50, 100, …
  let step = 1;
  for (let i = 1; Math.ceil(top / step) > MAX_COUNT_STEPS; i++) step = [1, 2, 5][i % 3]! * 10 ** Math.floor(i / 3);
  const ticks: number[] = [];
  for (let tick = 0; tick < top + step; tick += step) ticks.push(tick);
  return ticks;
}

const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

/** The one month format of the charts: "Sep 2026" ("Sept" in some locales, so not toLocaleDateString). */
function monthLabel(month: string): { name: string; year: string } {
  return { name: MONTHS[Number(month.slice(5, 7)) - 1]!, year: month.slice(0, 4) };
}

/** A month under a column: its name over its year, so that 24 columns fit a desktop. */
function MonthTick(props: { month: string; x: number; y: number }) {
  const { name, year } = monthLabel(props.month);
  return (
    <text x={props.x} y={props.y} text-anchor="middle">
      <tspan x={props.x}>{name}</tspan>
      <tspan x={props.x} dy="14">
        {year}
      </tspan>
    </text>
  );
}

/** Desktop: a column per month, its count above it and its month below. */
function HedgehogColumns(props: { data: Array<{ month: string; hedgehogs: number }>; title: string }) {
  const height = 240;
  const [left, top, bottom] = [44, 20, 36];
  const ticks = countTicks(Math.max(0, ...props.data.map((d) => d.hedgehogs)));
  const max = ticks[ticks.length - 1]!;
  const slot = (WIDE - left - 8) / Math.max(1, props.data.length);
  const y = (v: number) => top + (height - top - bottom) * (1 - v / max);
  return (
    <svg class="chart chart-wide" viewBox={`0 0 ${WIDE} ${height}`} role="img" aria-label={props.title}>
      <title>{props.title}</title>
      {ticks.map((tick) => (
        <>
          <line class="axis" x1={left} x2={WIDE - 4} y1={y(tick)} y2={y(tick)} />
          <text x={left - 6} y={y(tick) + 4} text-anchor="end">
            {formatCount(tick)}
          </text>
        </>
      ))}
      {props.data.map((d, i) => {
        const middle = left + i * slot + slot / 2;
        return (
          <>
            <rect
              class="bar"
              x={middle - slot * 0.35}
              y={y(d.hedgehogs)}
              width={slot * 0.7}
              height={y(0) - y(d.hedgehogs)}
            >
              <title>{`${d.month}: ${plural(d.hedgehogs, "hedgehog")}`}</title>
            </rect>
            <text class="value" x={middle} y={y(d.hedgehogs) - 4} text-anchor="middle">
              {formatCount(d.hedgehogs)}
            </text>
            <MonthTick month={d.month} x={middle} y={height - bottom + 16} />
          </>
        );
      })}
    </svg>
  );
}

/** Phone: a row per month, "Sep 2026", its bar and its count. */
function HedgehogRows(props: { data: Array<{ month: string; hedgehogs: number }>; title: string }) {
  const row = 22;
  const [labelWidth, valueWidth] = [70, 44];
  const max = Math.max(1, ...props.data.map((d) => d.hedgehogs));
  const barWidth = (v: number) => ((NARROW - labelWidth - valueWidth) * v) / max;
  const height = row * props.data.length + 4;
  return (
    <svg class="chart chart-narrow" viewBox={`0 0 ${NARROW} ${height}`} role="img" aria-label={props.title}>
      <title>{props.title}</title>
      {props.data.map((d, i) => {
        const { name, year } = monthLabel(d.month);
        const y = i * row + 2;
        return (
          <>
            <text x="0" y={y + 15}>{`${name} ${year}`}</text>
            <rect class="bar" x={labelWidth} y={y + 3} width={barWidth(d.hedgehogs)} height={row - 6}>
              <title>{`${d.month}: ${plural(d.hedgehogs, "hedgehog")}`}</title>
            </rect>
            <text class="value" x={labelWidth + barWidth(d.hedgehogs) + 4} y={y + 15}>
              {formatCount(d.hedgehogs)}
            </text>
          </>
        );
      })}
    </svg>
  );
}

/** Hedgehogs fed per month: columns on a desktop, rows on a phone, every month labelled. */
export function HedgehogBars(props: { data: Array<{ month: string; hedgehogs: number }>; title: string }) {
  return (
    <figure class="chart-frame">
      <HedgehogColumns {...props} />
      <HedgehogRows {...props} />
    </figure>
  );
}

interface CsatSeries {
  team: string;
  csat: Array<number | null>;
}

/** One team's line, broken where a month had no answers, with a dot per month that had. */
function TeamLine(props: {
  series: CsatSeries;
  colour: string;
  months: string[];
  x: (i: number) => number;
  y: (s: number) => number;
}) {
  const segments: string[] = [];
  let current = "";
  props.series.csat.forEach((share, i) => {
    if (share === null) {
      if (current) segments.push(current);
      current = "";
    } else current += `${current ? " L" : "M"}${props.x(i).toFixed(1)} ${props.y(share).toFixed(1)}`;
  });
  if (current) segments.push(current);
  return (
    <g>
      {segments.map((d) => (
        <path class="line" d={d} stroke={props.colour} />
      ))}
      {props.series.csat.map((share, i) =>
        share === null ? null : (
          <circle cx={props.x(i)} cy={props.y(share)} r="3" fill={props.colour}>
            <title>{`${props.series.team}, ${props.months[i]}: ${(share * 100).toFixed(1)}%`}</title>
          </circle>
        ),
      )}
    </g>
  );
}

function CsatDrawing(props: { months: string[]; teams: CsatSeries[]; title: string; width: number; class: string }) {
  const height = 240;
  const [left, right, top, bottom] = [44, 24, 12, 36];
  const step = (props.width - left - right) / Math.max(1, props.months.length - 1);
  const x = (i: number) => (props.months.length === 1 ? (left + props.width - right) / 2 : left + i * step);
  const y = (share: number) => top + (height - top - bottom) * (1 - share);
  return (
    <svg class={`chart ${props.class}`} viewBox={`0 0 ${props.width} ${height}`} role="img" aria-label={props.title}>
      <title>{props.title}</title>
      {[0, 0.5, 1].map((tick) => (
        <>
          <line class="axis" x1={left} x2={props.width - 4} y1={y(tick)} y2={y(tick)} />
          <text x={left - 6} y={y(tick) + 4} text-anchor="end">{`${tick * 100}%`}</text>
        </>
      ))}
      {props.months.map((m, i) => (
        <MonthTick month={m} x={x(i)} y={height - bottom + 16} />
      ))}
      {props.teams.map((t, ti) => (
        <TeamLine series={t} colour={teamColour(ti)} months={props.months} x={x} y={y} />
      ))}
    </svg>
  );
}

/** CSAT (share of 4-5 ratings) per team per month, one line per team; the phone's drawing shows the last six months. */
export function CsatLines(props: { months: string[]; teams: CsatSeries[]; title: string }) {
  const recent = Math.max(0, props.months.length - NARROW_CSAT_MONTHS);
  return (
    <figure class="chart-frame">
      <CsatDrawing {...props} width={WIDE} class="chart-wide" />
      <CsatDrawing
        months={props.months.slice(recent)}
        teams={props.teams.map((t) => ({ team: t.team, csat: t.csat.slice(recent) }))}
        title={props.title}
        width={NARROW}
        class="chart-narrow"
      />
      <ul class="legend">
        {props.teams.map((t, ti) => (
          <li>
            <span class={`swatch swatch-${ti % TEAM_COLOURS.length}`} />
            {t.team}
          </li>
        ))}
      </ul>
      {recent > 0 ? (
        <figcaption class="narrow-only">
          The last {NARROW_CSAT_MONTHS} months; a wider screen shows {props.months.length}.
        </figcaption>
      ) : null}
    </figure>
  );
}
