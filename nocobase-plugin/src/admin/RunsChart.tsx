import React from 'react';
import type { Translate } from '../shared/locale';
import { changeTotal, type RunView } from './run-format';

const WIDTH = 640;
const HEIGHT = 120;

/**
 * Recent finished runs, oldest left: duration as bars, changes as dots on their own scale. A table says each run's
 * numbers; this shows at a glance a run that took ten times longer or changed far more than the others.
 */
export function RunsChart({ runs, t }: { runs: RunView[]; t: Translate }) {
  const finished = runs.filter((r) => r.durationMs !== null).reverse();
  if (finished.length < 2) return null;
  const maxDuration = Math.max(...finished.map((r) => r.durationMs!), 1);
  const maxChanges = Math.max(...finished.map((r) => changeTotal(r.counts)), 1);
  const step = WIDTH / finished.length;
  const bar = Math.max(4, step * 0.6);
  return (
    <figure style={{ margin: '0 0 24px' }} data-wecom-admin-chart="">
      <svg viewBox={`0 0 ${WIDTH} ${HEIGHT + 20}`} width="100%" style={{ maxWidth: WIDTH, display: 'block' }} role="img" aria-label={t('Recent runs')}>
        <line x1={0} y1={HEIGHT} x2={WIDTH} y2={HEIGHT} stroke="#d9d9d9" />
        {finished.map((r, i) => {
          const h = (r.durationMs! / maxDuration) * (HEIGHT - 10);
          const changes = changeTotal(r.counts);
          const x = i * step + (step - bar) / 2;
          const color = r.status === 'succeeded' ? '#1677ff' : r.status === 'partial' || r.status === 'aborted' ? '#faad14' : '#ff4d4f';
          return (
            <g key={r.id}>
              <title>{`#${r.id} ${r.status}${r.dryRun ? ' (dry run)' : ''}: ${(r.durationMs! / 1000).toFixed(1)} s, ${changes} ${t('changes')}`}</title>
              <rect x={x} y={HEIGHT - h} width={bar} height={h} fill={color} opacity={r.dryRun ? 0.4 : 0.85} />
              <circle cx={x + bar / 2} cy={HEIGHT - (changes / maxChanges) * (HEIGHT - 10)} r={3.5} fill="#52c41a" stroke="#fff" />
              <text x={x + bar / 2} y={HEIGHT + 14} fontSize={10} textAnchor="middle" fill="#8c8c8c">
                #{r.id}
              </text>
            </g>
          );
        })}
      </svg>
      <figcaption style={{ color: '#8c8c8c', fontSize: 12 }}>
        {t('Bars: duration (longest {{max}} s). Green dots: changes (most {{changes}}). Faded: dry runs.', {
          max: (maxDuration / 1000).toFixed(1),
          changes: String(maxChanges),
        })}
      </figcaption>
    </figure>
  );
}
