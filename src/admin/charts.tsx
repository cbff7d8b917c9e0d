/** Charts drawn on the server as SVG: no chart library in the browser, readable without script. */

const TEAM_COLOURS = ["#1d4aff", "#f54e00", "#2e9c55", "#b62ad9", "#e8b517", "#0aa8b4", "#d9412b", "#7a5a3a"];

export function teamColour(index: number): string {
  return TEAM_COLOURS[index % TEAM_COLOURS.length]!;
}

function niceMax(value: number): number {
  if (value <= 0) return 1;
  const magnitude = 10 ** Math.floor(Math.log10(value));
  return [1, 2, 5, 10].map((m) => m * magnitude).find((m) => m >= value)!;
}

const shortMonth = (month: string) =>
  new Date(`${month}-01T00:00:00Z`).toLocaleDateString("en-GB", { month: "short", year: "2-digit", timeZone: "UTC" });

/** Hedgehogs fed per month, as bars. */
export function HedgehogBars(props: { data: Array<{ month: string; hedgehogs: number }>; title: string }) {
  const width = 640;
  const height = 220;
  const left = 44;
  const bottom = 28;
  const top = 12;
  const max = niceMax(Math.max(0, ...props.data.map((d) => d.hedgehogs)));
  const slot = (width - left - 8) / Math.max(1, props.data.length);
  const y = (v: number) => top + (height - top - bottom) * (1 - v / max);
  return (
    <svg class="chart" viewBox={`0 0 ${width} ${height}`} role="img" aria-label={props.title}>
      <title>{props.title}</title>
      {[0, max / 2, max].map((tick) => (
        <>
          <line class="axis" x1={left} x2={width - 4} y1={y(tick)} y2={y(tick)} />
          <text x={left - 6} y={y(tick) + 4} text-anchor="end">
            {Math.round(tick).toLocaleString("en-GB")}
          </text>
        </>
      ))}
      {props.data.map((d, i) => (
        <>
          <rect
            class="bar"
            x={left + i * slot + slot * 0.15}
            y={y(d.hedgehogs)}
            width={slot * 0.7}
            height={Math.max(0, y(0) - y(d.hedgehogs))}
          >
            <title>{`${d.month}: ${d.hedgehogs.toLocaleString("en-GB")} hedgehogs`}</title>
          </rect>
          {props.data.length <= 12 || i % 2 === 0 ? (
            <text x={left + i * slot + slot / 2} y={height - 10} text-anchor="middle">
              {shortMonth(d.month)}
            </text>
          ) : null}
        </>
      ))}
    </svg>
  );
}

/** CSAT (share of 4-5 ratings) per team per month, one line per team; months without answers leave gaps. */
export function CsatLines(props: {
  months: string[];
  teams: Array<{ team: string; csat: Array<number | null> }>;
  title: string;
}) {
  const width = 640;
  const height = 240;
  const left = 44;
  const bottom = 28;
  const top = 12;
  const step = (width - left - 28) / Math.max(1, props.months.length - 1);
  const x = (i: number) => left + i * step;
  const y = (share: number) => top + (height - top - bottom) * (1 - share);
  return (
    <>
      <svg class="chart" viewBox={`0 0 ${width} ${height}`} role="img" aria-label={props.title}>
        <title>{props.title}</title>
        {[0, 0.5, 1].map((tick) => (
          <>
            <line class="axis" x1={left} x2={width - 4} y1={y(tick)} y2={y(tick)} />
            <text x={left - 6} y={y(tick) + 4} text-anchor="end">{`${tick * 100}%`}</text>
          </>
        ))}
        {props.months.map((m, i) =>
          props.months.length <= 12 || i % 2 === 0 ? (
            <text x={x(i)} y={height - 10} text-anchor="middle">
              {shortMonth(m)}
            </text>
          ) : null,
        )}
        {props.teams.map((t, ti) => {
          const segments: string[] = [];
          let current = "";
          t.csat.forEach((share, i) => {
            if (share === null) {
              if (current) segments.push(current);
              current = "";
            } else current += `${current ? " L" : "M"}${x(i).toFixed(1)} ${y(share).toFixed(1)}`;
          });
          if (current) segments.push(current);
          return (
            <g>
              {segments.map((d) => (
                <path class="line" d={d} stroke={teamColour(ti)} />
              ))}
              {t.csat.map((share, i) =>
                share === null ? null : (
                  <circle cx={x(i)} cy={y(share)} r="3" fill={teamColour(ti)}>
                    <title>{`${t.team}, ${props.months[i]}: ${(share * 100).toFixed(1)}%`}</title>
                  </circle>
                ),
              )}
            </g>
          );
        })}
      </svg>
      <ul class="legend">
        {props.teams.map((t, ti) => (
          <li>
            <span class={`swatch swatch-${ti % TEAM_COLOURS.length}`} />
            {t.team}
          </li>
        ))}
      </ul>
    </>
  );
}
