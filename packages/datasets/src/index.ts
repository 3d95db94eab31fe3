export { DatasetBuilder, type ImportedDataset } from './builder';
export {
  checkDatasetOutput,
  type DatasetDir,
  loadDataset,
  MANIFEST_FILE,
  writeDataset,
} from './dataset-dir';
export { ImportError } from './errors';
export { ImageStore } from './image-store';
export {
  IMPORT_FORMATS,
  type ImportDatasetOptions,
  type ImportFormat,
  importDataset,
} from './import-dataset';
export type { ImportOptions } from './importers/common';
export { FOLDER_CONFIG, importFolder } from './importers/folder';
export { IMAGENET100_QUERIES_PER_CLASS, importImageNet100 } from './importers/imagenet100';
export { importIsekai } from './importers/isekai';
export { nodeSha256Hex } from './node-hash';
export {
  deploymentSecret,
  drawRankedRun,
  RANKED_HALF_WIDTH,
  RANKED_KEY_FILE,
  rankedKey,
  rankedPerPolicy,
  SecretFileError,
  secretsDirOf,
} from './ranked-run';
export { ISEKAI_SAMPLE } from './samples';
export { BASES, PAIRS, TRAITS } from './synth/catalog';
export { MIN_TRAIT_SHARE, PAIRS_V3, TRAITS_V3 } from './synth/catalog-v3';
export {
  GENERATOR_VERSIONS,
  type GeneratorVersion,
  generateSynth,
  SYNTH_DEFAULTS,
  type SynthOptions,
  synthVersion,
} from './synth/generate';
export {
  drawRanked,
  isNeutralName,
  RANKED_BENCHMARK_NAME,
  type RankedConcept,
  type RankedDraw,
  type RankedDrawOptions,
  type RankedImage,
  rankedFamiliarOf,
  rankedImageOf,
  rankedImageStore,
  rankedImagesOf,
  renderRankedImage,
} from './synth/ranked-draw';
export { GENERATOR_VERSION } from './synth/render';
