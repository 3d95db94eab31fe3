import { formatParams } from '@linkboard/core';

export interface ModelCardView {
  organisation: string | null;
  paramsB: number | null;
  weights: string | null;
  licence: string | null;
  baseModel: string | null;
  modelUrl: string | null;
  revision: string | null;
}

/**
 * Only http and https links are stored (core's `ModelUrlSchema`); checked again here so that a
 * row written some other way can never become a `javascript:` link.
 */
function safeHref(url: string): string | null {
  try {
    const parsed = new URL(url);
    return parsed.protocol === 'http:' || parsed.protocol === 'https:' ? parsed.href : null;
  } catch {
    return null;
  }
}

/**
 * A submission's model card. Revision is this submission's; the other fields are the model's
 * (the latest submission that stated them), which the heading says.
 */
export function ModelCard({ card }: { card: ModelCardView }) {
  const href = card.modelUrl ? safeHref(card.modelUrl) : null;
  const facts: [string, React.ReactNode][] = [
    ['Organisation', card.organisation],
    ['Parameters', card.paramsB !== null ? formatParams(card.paramsB) : null],
    ['Weights', card.weights],
    ['Licence', card.licence],
    ['Base model', card.baseModel],
    [
      'Link',
      href ? (
        <a key="link" href={href} rel="nofollow noopener noreferrer ugc" target="_blank">
          {card.modelUrl}
        </a>
      ) : null,
    ],
    ['Revision run', card.revision],
  ];
  const stated = facts.filter(([, value]) => value !== null && value !== '');
  if (stated.length === 0)
    return (
      <p className="muted" data-testid="model-card">
        No model card: the submitter did not state size, weights or licence.
      </p>
    );
  return (
    <table data-testid="model-card" className="card-facts">
      <caption className="muted">Model card, as its submitter states it</caption>
      <tbody>
        {stated.map(([label, value]) => (
          <tr key={label}>
            <th scope="row">{label}</th>
            <td>{value}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
