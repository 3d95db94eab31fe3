import { indexBenchmark, maxShots } from '@linkboard/core';
import { IMPORT_FORMATS, type ImportFormat, importDataset } from '@linkboard/datasets';
import { type Command, Option } from 'commander';
import type { Env } from '../env';
import type { Io } from '../io';
import { createProgress } from '../progress';

interface ImportFlags {
  format: ImportFormat;
  images?: string;
  out: string;
  benchmarkName?: string;
  benchmarkVersion?: string;
  force?: boolean;
}

export function registerDataset(program: Command, io: Io, env: Env): void {
  const dataset = program
    .command('dataset')
    .description('import benchmarks into linkboard’s manifest format');
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
    .option('--force', 'replace a non-empty output folder')
    .action(async (input: string, flags: ImportFlags) => {
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
          onProgress: (done, total) => progress.update(done, total),
        });
      } finally {
        progress.stop();
      }
      for (const warning of result.warnings) io.stderr.write(`warning: ${warning}\n`);
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
    });
}
