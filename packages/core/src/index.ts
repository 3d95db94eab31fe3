export { backoffDelay } from './backoff';
export {
  type AddressClass,
  checkEndpoint,
  classifyAddress,
  type EndpointPolicy,
  EndpointRefusedError,
  endpointPolicy,
  endpointRefusal,
  isLoopbackHost,
  localAuthority,
  parseEndpointUrl,
} from './endpoint';
export {
  type BenchmarkIndex,
  buildEpisode,
  buildEpisodes,
  countEpisodes,
  type Episode,
  EpisodeError,
  type EpisodeSetSpec,
  type EpisodeSpec,
  episodeRange,
  type IndexOptions,
  indexBenchmark,
  maxShots,
  type QueryClass,
  type SupportItem,
} from './episode';
export {
  ERROR_CLASSES,
  type ErrorClass,
  errorMeaning,
  isErrorClass,
  isRetryable,
} from './error-class';
export { canonicalJson, type HashHex, imageStoreKey, sha256Hex } from './hash';
export {
  type Concept,
  ConceptSchema,
  createManifest,
  type ImageEntry,
  type ImageRole,
  ImageSchema,
  MANIFEST_SCHEMA,
  type Manifest,
  type ManifestDraft,
  ManifestError,
  ManifestSchema,
  type Pair,
  PairSchema,
  parseManifest,
  slugify,
} from './manifest';
export {
  type AccuracySummary,
  accuracyBy,
  emptyOutcomeCounts,
  type GroupKey,
  type GroupSummary,
  type LinkGainRow,
  linkGain,
  type OutcomeCounts,
  parseFailureRate,
  type ScoredAnswer,
  summarize,
} from './metrics/accuracy';
export {
  type BootstrapInterval,
  type BootstrapOptions,
  clusteredBootstrap,
  type McNemarResult,
  mcnemarTest,
  type PairedComparison,
  pairedComparison,
} from './metrics/bootstrap';
export { type Interval, wilsonInterval, Z95 } from './metrics/intervals';
export { rankTiers, type Tiered, type TierInput } from './metrics/tiers';
export {
  type ContentPart,
  DEFAULT_POLICY,
  ICL_QUESTION,
  IMAGE_TOKEN,
  isPolicyName,
  isSafeModelName,
  LCL_INSTRUCTION,
  LCL_QUERY_QUESTION,
  LCL_SUPPORT_ANSWER,
  LCL_SUPPORT_QUESTION,
  type Message,
  POLICIES,
  POLICY_NAMES,
  type PolicyName,
  type RenderedPrompt,
  ZERO_SHOT_QUESTION,
} from './policy';
export { MAX_ANSWER_CHARS, PredictionsError, parsePredictions } from './predictions';
export { Prng } from './prng';
export {
  DEFAULT_SCORER,
  getScorer,
  isScorerName,
  OUTCOMES,
  type Outcome,
  officialScorer,
  registerScorer,
  type Scorer,
  type ScorerName,
  type ScorerVerdict,
  scoreAll,
  scorerNames,
  scorers,
  scorerVersions,
  strictScorer,
  type Verdict,
  verdictOf,
} from './scorer';
export { controlCharacterIn, invisibleCharacterIn, modelNameKey, nameProblem } from './text';
