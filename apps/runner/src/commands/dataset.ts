import type { Manifest } from '@linkboard/core';
import { indexBenchmark, maxShots } from '@linkboard/core';
import {
  checkDatasetOutput,
  GENERATOR_VERSIONS,
  type GeneratorVersion,
  generateSynth,
  IMAGENET100_QUERIES_PER_CLASS,
  IMPORT_FORMATS,
  type ImportFormat,
  importDataset,
  PAIRS,
  SYNTH_DEFAULTS,
  writeDataset,
} from '@linkboard/datasets';
import { type Command, Option } from 'commander';
import type { Env } from '../env';
import { CliError } from '../errors';
import type { Io } from '../io';
import { parsePositiveInt, parseWholeNumber } from '../options';
import { createProgress } from '../progress';

interface ImportFlags {
  format: ImportFormat;
  images?: string;
  out: string;
  benchmarkName?: string;
  benchmarkVersion?: string;
  queriesPerClass?: number;
  force?: boolean;
}

export function registerDataset(program: Command, io: Io, env: Env): void {
  const dataset = program
    .command('dataset')
    .description('import or generate benchmarks in linkboard’s manifest format');
  dataset
    .command('import')
    .description('import ISEKAI records, LCL ImageNet-100 JSONL or a folder of images')
    .argument('<input>', 'records file (isekai, imagenet100) or root folder (folder)')
    .addOption(
      new Option('--format <format>', 'input format').choices(IMPORT_FORMATS).makeOptionMandatory(),
    )
    .option(
      '--images <dir>',
      'folder the image paths are relative to (default: the records file’s folder)',
    )
    .requiredOption('--out <dir>', 'output folder: <dir>/manifest.json and <dir>/images/')
    .option('--benchmark-name <name>', 'benchmark name (default: from the input)')
    .option('--benchmark-version <version>', 'benchmark version (default: 1)')
    .option(
      '--queries-per-class <n>',
      `imagenet100: test samples kept per class, the first in file order (default: ${IMAGENET100_QUERIES_PER_CLASS}, as the official evaluation; 0 keeps all)`,
      parseWholeNumber,
    )
    .option('--force', 'replace a non-empty output folder')
    .action(async (input: string, flags: ImportFlags) => {
      if (flags.queriesPerClass !== undefined && flags.format !== 'imagenet100') {
        throw new CliError(
          `--queries-per-class applies to --format imagenet100 only, not ${flags.format}`,
        );
      }
      const progress = createProgress(io.stderr, 'images', !env.CI);
      let result: Awaited<ReturnType<typeof importDataset>>;
      try {
        result = await importDataset({
          format: flags.format,
          input,
          images: flags.images,
          out: flags.out,
          force: flags.force,
          name: flags.benchmarkName,
          version: flags.benchmarkVersion,
          queriesPerClass: flags.queriesPerClass,
          onProgress: (done, total) => progress.update(done, total),
        });
      } finally {
        progress.stop();
      }
      for (const warning of result.warnings) io.stderr.write(`warning: ${warning}\n`);
      printSummary(io, result);
    });

  dataset
    .command('generate')
    .description('generate isekai-synth, the benchmark of unseen concepts linkboard draws by code')
    .option('--seed <n>', 'generator seed', parsePositiveInt, SYNTH_DEFAULTS.seed)
    .addOption(
      new Option(
        '--generator-version <v>',
        'which drawing: 2 (names spell the trait) or 3 (palette traits, hard negatives, nonce names: the embedded default benchmark)',
      )
        .choices(GENERATOR_VERSIONS.map(String))
        .default(String(SYNTH_DEFAULTS.version)),
    )
    .addOption(
      new Option(
        '--names <mode>',
        'v3: novel concepts named by non-words (default) or descriptive blends',
      ).choices(['nonce', 'descriptive']),
    )
    .option('--pairs <k>', `pairs to draw (1–${PAIRS.length})`, parsePositiveInt, PAIRS.length)
    .option('--per-concept <m>', 'images per concept', parsePositiveInt, SYNTH_DEFAULTS.perConcept)
    .option('--queries <q>', 'of which queries', parsePositiveInt, SYNTH_DEFAULTS.queriesPerConcept)
    .requiredOption(
      '--out <dir>',
      'output folder: manifest.json, images/ and sheets/ (contact sheets)',
    )
    .option('--force', 'replace a non-empty output folder')
    .action(
      async (flags: {
        seed: number;
        generatorVersion: string;
        names?: 'nonce' | 'descriptive';
        pairs: number;
        perConcept: number;
        queries: number;
        out: string;
        force?: boolean;
      }) => {
        await checkDatasetOutput(flags.out, { force: flags.force });
        const progress = createProgress(io.stderr, 'images', !env.CI);
        let generated: Awaited<ReturnType<typeof generateSynth>>;
        try {
          generated = await generateSynth({
            seed: flags.seed,
            version: Number(flags.generatorVersion) as GeneratorVersion,
            names: flags.names,
            pairs: flags.pairs,
            perConcept: flags.perConcept,
            queriesPerConcept: flags.queries,
            onProgress: (done, total) => progress.update(done, total),
          });
        } finally {
          progress.stop();
        }
        const written = await writeDataset(flags.out, generated, { force: flags.force });
        printSummary(io, written);
        io.stdout.write(`contact sheets: ${written.dir}/sheets/overview.png and one per pair\n`);
      },
    );
}

function printSummary(io: Io, result: { dir: string; manifest: Manifest }) {
  const { manifest } = result;
  const queries = manifest.images.filter((i) => i.role === 'query').length;
  io.stdout.write(
    [
      `imported ${manifest.benchmark.name}@${manifest.benchmark.version}: ${manifest.pairs.length} pairs, ${manifest.images.length} images (${queries} queries)`,
      `manifest: ${result.dir}/manifest.json`,
      `manifest hash: ${manifest.manifestHash}`,
      `largest shot count every query supports: ${maxShots(indexBenchmark(manifest))}`,
      '',
    ].join('\n'),
  );
}
