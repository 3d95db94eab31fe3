'use client';

import {
  Area,
  CartesianGrid,
  ComposedChart,
  Legend,
  Line,
  LineChart,
  ResponsiveContainer,
  Tooltip,
  XAxis,
  YAxis,
} from 'recharts';

export interface CurvePoint {
  shots: number;
  [series: string]: number | [number, number] | null;
}

const COLORS = ['#3b5bdb', '#e8590c', '#2b8a3e', '#ae3ec9', '#1098ad', '#c92a2a'];

/** Accuracy vs shots, one line per series with its 95% interval as a band. */
export function AccuracyChart({ points, series }: { points: CurvePoint[]; series: string[] }) {
  return (
    <div
      style={{
        width: '100%',
        height: 300,
        background: 'white',
        border: '1px solid #e4e5e9',
        borderRadius: 8,
      }}
      data-testid="accuracy-chart"
    >
      <ResponsiveContainer>
        <ComposedChart data={points} margin={{ top: 16, right: 24, bottom: 8, left: 0 }}>
          <CartesianGrid stroke="#eee" />
          <XAxis
            dataKey="shots"
            label={{ value: 'shots', position: 'insideBottomRight', offset: -2 }}
          />
          <YAxis domain={[0, 1]} tickFormatter={(v: number) => `${Math.round(v * 100)}%`} />
          <Tooltip
            formatter={(v) =>
              Array.isArray(v)
                ? `${(Number(v[0]) * 100).toFixed(1)}–${(Number(v[1]) * 100).toFixed(1)}%`
                : `${(Number(v) * 100).toFixed(1)}%`
            }
          />
          <Legend />
          {series.map((name, i) => (
            <Area
              key={`${name}-band`}
              dataKey={`${name} 95% CI`}
              stroke="none"
              fill={COLORS[i % COLORS.length]}
              fillOpacity={0.15}
              legendType="none"
              isAnimationActive={false}
            />
          ))}
          {series.map((name, i) => (
            <Line
              key={name}
              dataKey={name}
              stroke={COLORS[i % COLORS.length]}
              strokeWidth={2}
              dot
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
          <Line
            dataKey="accuracy"
            stroke="#3b5bdb"
            strokeWidth={1.5}
            dot={false}
            isAnimationActive={false}
          />
        </LineChart>
      </ResponsiveContainer>
    </div>
  );
}
