import path from 'node:path';
import {
  buildEpisodes,
  type ContentPart,
  DEFAULT_POLICY,
  type Episode,
  indexBenchmark,
  type PolicyName,
} from '@linkboard/core';
import { type DatasetDir, loadDataset, nodeSha256Hex } from '@linkboard/datasets';
import { type Command, Option } from 'commander';
import type { Io } from '../io';
import { write } from '../io';
import { POLICY_HELP, parsePolicies, parsePositiveInt, parseShots } from '../options';

interface EpisodeFlags {
  manifest: string;
  shots: number[];
  policy: PolicyName[];
  draws: number;
  format: 'jsonl' | 'text';
}

/** `--manifest` takes the dataset folder or its manifest.json. */
export function datasetDirOf(manifest: string): string {
  return path.basename(manifest) === 'manifest.json' ? path.dirname(manifest) : manifest;
}

/**
 * The exported form of an episode: snake_case JSON for harnesses in any language, image parts
 * with the absolute path of the image file. Its `id` is what a predictions upload refers to.
 */
export function exportEpisode(episode: Episode, dataset: DatasetDir) {
  const part = (p: ContentPart) =>
    p.type === 'text'
      ? p
      : { type: 'image', image_id: p.imageId, path: dataset.store.pathOf(p.imageId) };
  return {
    id: episode.id,
    benchmark: episode.benchmark,
    pair_id: episode.pairId,
    shots: episode.shots,
    draw: episode.draw,
    policy: episode.policy,
    query: {
      image_id: episode.query.imageId,
      path: dataset.store.pathOf(episode.query.imageId),
      concept_id: episode.query.conceptId,
      query_class: episode.query.queryClass,
      label: episode.query.label,
      other: episode.query.other,
    },
    support: episode.support.map((s) => ({
      image_id: s.imageId,
      path: dataset.store.pathOf(s.imageId),
      label: s.label,
    })),
    messages: episode.prompt.messages.map((m) => ({ role: m.role, content: m.content.map(part) })),
    prompt_text: episode.prompt.text,
    demo_hash: episode.demoHash,
  };
}

function textBlock(episode: Episode, dataset: DatasetDir): string {
  const images = [...episode.support.map((s) => s.imageId), episode.query.imageId].map(
    (id, i) => `# image ${i + 1}: ${dataset.store.pathOf(id)}`,
  );
  return [
    `### episode ${episode.id} shots=${episode.shots} draw=${episode.draw} policy=${episode.policy} label=${JSON.stringify(episode.query.label)} other=${JSON.stringify(episode.query.other)}`,
    ...images,
    episode.prompt.text,
    '',
    '',
  ].join('\n');
}

export function registerEpisodes(program: Command, io: Io): void {
  program
    .command('episodes')
    .description(
      'write the episodes of a benchmark with their rendered prompts, for any external harness',
    )
    .requiredOption('--manifest <dir>', 'dataset folder (or its manifest.json)')
    .requiredOption(
      '--shots <list>',
      'shot counts, e.g. 2,4,8,16 (0 with --policy zero-shot)',
      parseShots,
    )
    .addOption(
      new Option('--policy <list>', POLICY_HELP)
        .argParser(parsePolicies)
        .default([DEFAULT_POLICY], DEFAULT_POLICY),
    )
    .option('--draws <n>', 'independent support sets per query', parsePositiveInt, 1)
    .addOption(
      new Option('--format <format>', 'output format').choices(['jsonl', 'text']).default('jsonl'),
    )
    .action(async (flags: EpisodeFlags) => {
      const dataset = await loadDataset(datasetDirOf(flags.manifest));
      const index = indexBenchmark(dataset.manifest, { sha256Hex: nodeSha256Hex });
      // Built lazily: a large export streams instead of sitting in memory.
      const episodes = buildEpisodes(index, {
        shots: flags.shots,
        policies: flags.policy,
        draws: flags.draws,
      });
      for (const episode of episodes) {
        const line =
          flags.format === 'jsonl'
            ? `${JSON.stringify(exportEpisode(episode, dataset))}\n`
            : textBlock(episode, dataset);
        await write(io.stdout, line);
      }
    });
}
