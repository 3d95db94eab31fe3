'use client';

import { SERIES_PALETTE } from '@linkboard/core';
import {
  Area,
  CartesianGrid,
  ComposedChart,
  Legend,
  Line,
  LineChart,
  ReferenceLine,
  ResponsiveContainer,
  Symbols,
  type SymbolType,
  Tooltip,
  XAxis,
  YAxis,
} from 'recharts';

export interface CurvePoint {
  shots: number;
  [series: string]: number | [number, number] | null;
}

/** One line of an accuracy chart and how it is drawn (see core's `seriesStyles`). */
export interface ChartSeries {
  name: string;
  colour: string;
  /** SVG stroke-dasharray; '' for a solid line. */
  dash: string;
  marker: SymbolType;
  /** Stroke width in px. */
  width: number;
}

/**
 * A series colour as drawn: core's palette colours go through their CSS variables
 * (`--series-N`, globals.css), so that dark mode can swap the one that vanishes on a dark
 * background (black); any other colour is drawn as given.
 */
export function seriesColour(colour: string): string {
  const slot = SERIES_PALETTE.findIndex((c) => c.toLowerCase() === colour.toLowerCase());
  return slot < 0 ? colour : `var(--series-${slot}, ${colour})`;
}

/** The site's muted text colour, for axes and labels drawn in SVG. */
const MUTED = 'var(--muted)';

/** Two labels, one right: a model that guesses scores 50%, drawn on every accuracy chart. */
export const CHANCE = 0.5;

/**
 * Accuracy vs shots, one line per series with its 95% interval as a band, and the chance line.
 * Each series has its own dash and marker as well as its colour, so two models with identical
 * curves still show as two lines (and the chart reads without colour).
 */
export function AccuracyChart({ points, series }: { points: CurvePoint[]; series: ChartSeries[] }) {
  return (
    <div
      style={{
        width: '100%',
        height: 320,
        // Colours from the site's variables (globals.css): the chart follows light and dark mode.
        background: 'var(--surface)',
        border: '1px solid var(--line)',
        borderRadius: 8,
      }}
      data-testid="accuracy-chart"
    >
      <ResponsiveContainer>
        <ComposedChart data={points} margin={{ top: 16, right: 24, bottom: 8, left: 0 }}>
          <CartesianGrid stroke="var(--chart-grid)" />
          <XAxis
            dataKey="shots"
            stroke={MUTED}
            tick={{ fill: MUTED }}
            label={{ value: 'shots', position: 'insideBottomRight', offset: -2, fill: MUTED }}
          />
          <YAxis
            domain={[0, 1]}
            stroke={MUTED}
            tick={{ fill: MUTED }}
            tickFormatter={(v: number) => `${Math.round(v * 100)}%`}
          />
          <Tooltip
            contentStyle={{ background: 'var(--surface)', borderColor: 'var(--line)' }}
            labelStyle={{ color: 'var(--fg)' }}
            // Names in the text colour: some palette colours are under 4.5:1 as text.
            itemStyle={{ color: 'var(--fg)' }}
            formatter={(v) =>
              Array.isArray(v)
                ? `${(Number(v[0]) * 100).toFixed(1)}–${(Number(v[1]) * 100).toFixed(1)}%`
                : `${(Number(v) * 100).toFixed(1)}%`
            }
          />
          {/* The swatch in the series' colour, its name in the text colour (as in the tooltip). */}
          <Legend formatter={(name) => <span style={{ color: 'var(--fg)' }}>{name}</span>} />
          <ReferenceLine
            y={CHANCE}
            stroke={MUTED}
            strokeDasharray="3 3"
            ifOverflow="extendDomain"
            label={{ value: 'chance', position: 'insideBottomLeft', fill: MUTED, fontSize: 11 }}
            data-testid="chance-line"
          />
          {series.map((s) => (
            <Area
              key={`${s.name}-band`}
              dataKey={`${s.name} 95% CI`}
              stroke="none"
              fill={seriesColour(s.colour)}
              fillOpacity={0.12}
              legendType="none"
              isAnimationActive={false}
            />
          ))}
          {series.map((s) => (
            <Line
              key={s.name}
              dataKey={s.name}
              stroke={seriesColour(s.colour)}
              strokeWidth={s.width}
              // A wide line is an under-layer (see accuracyCurves): pale, so the one on it shows.
              strokeOpacity={s.width > 2 ? 0.4 : 0.95}
              strokeDasharray={s.dash || undefined}
              legendType={s.marker}
              dot={(props: { cx?: number; cy?: number; index?: number }) =>
                props.cx === undefined || props.cy === undefined ? (
                  <g key={`${s.name}-${props.index}`} />
                ) : (
                  <Symbols
                    key={`${s.name}-${props.index}`}
                    cx={props.cx}
                    cy={props.cy}
                    type={s.marker}
                    size={56}
                    fill="var(--surface)"
                    stroke={seriesColour(s.colour)}
                    strokeWidth={2}
                  />
                )
              }
              isAnimationActive={false}
            />
          ))}
        </ComposedChart>
      </ResponsiveContainer>
    </div>
  );
}

/** A tiny accuracy-vs-shots line for a leaderboard row. */
export function Sparkline({ values }: { values: { shots: number; accuracy: number | null }[] }) {
  return (
    <div style={{ width: 90, height: 24 }}>
      <ResponsiveContainer>
        <LineChart data={values}>
          <YAxis hide domain={[0, 1]} />
          <ReferenceLine y={CHANCE} stroke="var(--chart-faint)" strokeDasharray="2 2" />
          <Line
            dataKey="accuracy"
            stroke="var(--accent)"
            strokeWidth={1.5}
            dot={false}
            isAnimationActive={false}
          />
        </LineChart>
      </ResponsiveContainer>
    </div>
  );
}
