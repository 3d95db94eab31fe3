export { connect, type Database, type Db, databaseReachable } from './client';
export {
  AlreadyRunningError,
  EMBEDDED_PG_PORT,
  type EmbeddedPostgresHandle,
  embeddedUrl,
  NoDatabaseError,
  startEmbeddedPostgres,
} from './embedded';
export {
  createApiToken,
  listApiTokens,
  retrySubmission,
  revokeApiToken,
  setVisibility,
  submissionOwner,
  userByApiToken,
  userProfile,
  userRole,
} from './queries/accounts';
export {
  ConflictError,
  conceptIdsByKey,
  getBenchmarkVersion,
  importBenchmark,
} from './queries/benchmarks';
export {
  LEADERBOARD_CHANNEL,
  type LeaderboardWatch,
  watchLeaderboard,
} from './queries/leaderboard-events';
export {
  ModelNameError,
  type NewModel,
  refreshModelNameKeys,
  registerModel,
} from './queries/models';
export {
  claimJob,
  completeJob,
  failJob,
  heartbeat,
  IncompleteJobError,
  JobWaiter,
  type Lease,
  LeaseLostError,
  reapExpiredJobs,
  releaseJob,
  retryDelayMs,
} from './queries/queue';
export {
  conceptBreakdown,
  episodeWithResult,
  type LeaderboardCounts,
  type LeaderboardRow,
  leaderboardCounts,
  pairedAnswers,
  queueStatus,
} from './queries/read';
export {
  answeredEpisodes,
  clearErrorResults,
  computeAggregates,
  type ResultInput,
  rescoreSubmission,
  writeResults,
} from './queries/results';
export {
  conceptDetail,
  conceptGallery,
  conceptHeatmap,
  listBenchmarkVersions,
  probeResult,
  queueList,
  submissionCurves,
  submissionDetail,
  submissionFailures,
} from './queries/site';
export {
  cancelSubmission,
  createSubmission,
  getSubmission,
  getSubmissionSecret,
  JOBS_CHANNEL,
  type NewSubmission,
  predictionsFor,
  QuotaError,
  recordProvenance,
  submissionCount,
  submissionForRunner,
} from './queries/submissions';
export { accounts, sessions, users, verifications } from './schema';
export { decryptSecret, encryptSecret, loadSecretKey } from './secrets';
