import { parseBenchmarkName } from '@linkboard/core';
import { stringify } from 'yaml';

/**
 * The task a linkboard result is of, in the Hugging Face Hub's terms: images and text in, a
 * label's name out (`image-text-to-text`), and what the figure measures.
 */
export const MODEL_INDEX_TASK = { type: 'image-text-to-text', name: 'Link-context learning' };

/** A submission's result as a model card's `model-index` states it. */
export interface ModelIndexInput {
  /** The name the submission is listed under on its board. */
  model: string;
  /** The benchmark version, `name@version`. */
  benchmark: string;
  /** The manifest hash of what it ran (the exact episodes); null where not known. */
  revision: string | null;
  /** The figure its board ranks by, a share (0–1), and what it is. */
  score: { value: number; name: string };
  /** Accuracy (a share) at each shot count of the board's setting; null where none was scored. */
  perShot: readonly { policy: string; shots: number; accuracy: number | null }[];
  /** The scorer the per-shot figures are by. */
  scorer: string;
  /** The submission's page, absolute: where the figures can be checked. */
  url: string;
}

/**
 * Every string double-quoted, with JSON's escapes, on one line: a model name is typed by its
 * submitter, and a plain scalar that one YAML reader takes as text another takes as something else
 * (`yes`, `on` and `0o17` differ between YAML 1.1, which PyYAML and so the Hub's Python tooling
 * read, and 1.2). Quoted, every reader gets the same string, colons, quotes and newlines included.
 * Keys stay plain: they are ours, and the Hub's documentation writes them so.
 */
const YAML_OPTIONS = {
  defaultStringType: 'QUOTE_DOUBLE',
  defaultKeyType: 'PLAIN',
  doubleQuotedAsJSON: true,
  lineWidth: 0,
} as const;

/** A share as a percentage to two decimals (0.57341 → 57.34), as the Hub's leaderboards give it. */
const percent = (share: number) => Number((share * 100).toFixed(2)) + 0;

/**
 * A submission's result as a Hugging Face `model-index` block, for the metadata at the top of its
 * model card: the task, the benchmark version (`name@version`, with its manifest hash as the
 * revision), the ranked score and the accuracy at each shot count (percentages), and a link back to
 * the page the figures come from.
 */
export function modelIndexYaml(input: ModelIndexInput): string {
  const { name, version } = parseBenchmarkName(input.benchmark);
  const dataset = {
    name: input.benchmark,
    type: name,
    ...(version ? { config: version } : {}),
    ...(input.revision ? { revision: input.revision } : {}),
  };
  const perShot = [...input.perShot]
    .filter((s): s is typeof s & { accuracy: number } => s.accuracy !== null)
    .sort((a, b) => (a.policy === b.policy ? a.shots - b.shots : a.policy < b.policy ? -1 : 1))
    .map((s) => ({
      type: 'accuracy',
      value: percent(s.accuracy),
      name: `${s.policy} ${s.shots}-shot accuracy (${input.scorer} scorer)`,
    }));
  const document = {
    'model-index': [
      {
        name: input.model,
        results: [
          {
            task: MODEL_INDEX_TASK,
            dataset,
            metrics: [
              { type: 'accuracy', value: percent(input.score.value), name: input.score.name },
              ...perShot,
            ],
            source: { name: 'linkboard', url: input.url },
          },
        ],
      },
    ],
  };
  return stringify(document, YAML_OPTIONS);
}
