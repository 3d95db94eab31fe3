import { DEFAULT_GENERATION, type GenerationSettings } from '@linkboard/core';

/**
 * What of a submission shapes its answers besides the model: shots, draws, how it generates
 * (null for uploaded answers and built-in baselines, whose settings are not the platform's) and
 * the image size it sends (null: full size).
 */
export interface RunSettings {
  shots: readonly number[];
  draws: number;
  generation: GenerationSettings | null;
  maxImageSide: number | null;
}

/** "up to 1,024 tokens (max_tokens), temperature 0", with "(official)" for the defaults. */
export function generationLabel(generation: GenerationSettings | null): string {
  if (!generation) return 'not run here (uploaded answers or a built-in baseline)';
  const official =
    generation.maxTokens === DEFAULT_GENERATION.maxTokens &&
    generation.temperature === DEFAULT_GENERATION.temperature &&
    generation.thinkingBudget === null;
  const temperature =
    generation.temperature === null
      ? "no temperature sent (the model's own)"
      : `temperature ${generation.temperature}`;
  const thinking =
    generation.thinkingBudget === null
      ? ''
      : `, thinking budget ${generation.thinkingBudget.toLocaleString('en')} tokens`;
  return `up to ${generation.maxTokens.toLocaleString('en')} new tokens (sent as ${generation.tokenLimitField}), ${temperature}${thinking}${official ? ' (the official settings)' : ''}`;
}

export const imageSizeLabel = (maxImageSide: number | null) =>
  maxImageSide === null ? 'full size' : `longer side at most ${maxImageSide} px`;

const sorted = (list: readonly number[]) => [...list].sort((x, y) => x - y).join(',');
const sameList = (a: readonly number[], b: readonly number[]) => sorted(a) === sorted(b);

/**
 * How two submissions' settings differ, one line each, for the compare page's warning (empty: they
 * match). Generation and image size are compared only where both submissions ran here: an upload
 * or a built-in baseline has neither to compare.
 */
export function settingsDifferences(
  a: RunSettings,
  b: RunSettings,
  names: { a: string; b: string } = { a: 'A', b: 'B' },
): string[] {
  const lines: string[] = [];
  const both = (what: string, va: string, vb: string) =>
    lines.push(`${what}: ${names.a} ${va}; ${names.b} ${vb}`);
  if (a.generation && b.generation) {
    const ga = a.generation;
    const gb = b.generation;
    if (
      ga.maxTokens !== gb.maxTokens ||
      ga.temperature !== gb.temperature ||
      ga.tokenLimitField !== gb.tokenLimitField ||
      ga.thinkingBudget !== gb.thinkingBudget
    )
      both('generation', generationLabel(ga), generationLabel(gb));
    if (a.maxImageSide !== b.maxImageSide)
      both('image size', imageSizeLabel(a.maxImageSide), imageSizeLabel(b.maxImageSide));
  }
  if (!sameList(a.shots, b.shots)) both('shots', a.shots.join(', '), b.shots.join(', '));
  if (a.draws !== b.draws) both('draws', String(a.draws), String(b.draws));
  return lines;
}

/**
 * How several submissions' settings differ, one line per setting that is not the same for all,
 * naming each model's value (empty: they match). As for two, generation and image size are
 * compared only among the submissions that ran here.
 */
export function settingsDifferencesAmong(
  runs: readonly { name: string; settings: RunSettings }[],
): string[] {
  const lines: string[] = [];
  const differ = (what: string, values: { name: string; value: string }[]) => {
    if (new Set(values.map((v) => v.value)).size > 1)
      lines.push(`${what}: ${values.map((v) => `${v.name} ${v.value}`).join('; ')}`);
  };
  const ranHere = runs.filter((r) => r.settings.generation !== null);
  differ(
    'generation',
    ranHere.map((r) => ({ name: r.name, value: generationLabel(r.settings.generation) })),
  );
  differ(
    'image size',
    ranHere.map((r) => ({ name: r.name, value: imageSizeLabel(r.settings.maxImageSide) })),
  );
  differ(
    'shots',
    runs.map((r) => ({ name: r.name, value: sorted(r.settings.shots).replaceAll(',', ', ') })),
  );
  differ(
    'draws',
    runs.map((r) => ({ name: r.name, value: String(r.settings.draws) })),
  );
  return lines;
}
