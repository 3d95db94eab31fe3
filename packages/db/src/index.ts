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
  AccountError,
  type AdminAccount,
  accountAccess,
  accountByEmail,
  accountsForAdmin,
  privilegedUsers,
  setUserRole,
  userProfile,
  userRole,
} from './queries/accounts';
export {
  API_KEY_SCOPES,
  type ApiKeyListing,
  type ApiKeyScope,
  apiKeyOwner,
  apiKeysForAdmin,
  apiKeysOf,
  scopesOfPermissions,
} from './queries/api-keys';
export {
  ConflictError,
  conceptIdsByKey,
  getBenchmarkVersion,
  importBenchmark,
} from './queries/benchmarks';
export {
  type BoardKey,
  type BoardSnapshotFacts,
  boardInputsSeq,
  boardKeyName,
  readBoardSnapshot,
  staleBoards,
  writeBoardSnapshot,
} from './queries/board-snapshots';
export { conceptDetail, conceptGallery, conceptHeatmap, pairCountsOf } from './queries/concepts';
export { submissionAnswerPages } from './queries/downloads';
export { episodeWithResult, pairedAnswers } from './queries/episodes';
export {
  type JobOfLease,
  JobVanishedError,
  jobStarter,
  runnableSubmission,
} from './queries/job-start';
export {
  claimJob,
  completeJob,
  failJob,
  IncompleteJobError,
  JOBS_CHANNEL,
  JobWaiter,
  LEASE_LOSSES_PER_ATTEMPT,
  type OperationsSnapshot,
  operationsSnapshot,
  reapExpiredJobs,
  releaseJob,
  retryDelayMs,
  runnersAtWork,
} from './queries/jobs';
export {
  boardVersionOf,
  curveCells,
  type LeaderboardCounts,
  type LeaderboardRow,
  leaderboardCounts,
  listBenchmarkVersions,
  type RankedModelCounts,
  rankedModelCounts,
} from './queries/leaderboard';
export {
  LEADERBOARD_CHANNEL,
  type LeaderboardWatch,
  watchLeaderboard,
} from './queries/leaderboard-events';
export { heartbeat, type Lease, LeaseLostError, leaseOf } from './queries/lease';
export {
  ModelNameError,
  modelOfCard,
  type NewModel,
  refreshModelNameKeys,
  registerModel,
} from './queries/models';
export {
  type AnswerInput,
  answeredEpisodes,
  clearErrorResults,
  computeAggregates,
  computeExposure,
  NotRescorableError,
  type ResultInput,
  rawAnswersOf,
  rescorableSubmissionIds,
  rescoreSubmission,
  writeAnswers,
  writeResults,
} from './queries/results';
export {
  measuredRate,
  passPreflight,
  recordServedBy,
  spentTokens,
} from './queries/run-facts';
export {
  createRunnerToken,
  listRunnerTokens,
  RUNNER_TOKEN_PREFIX,
  RunnerTokenError,
  revokeRunnerToken,
  runnerByToken,
} from './queries/runner-tokens';
export {
  assertQuotaLeft,
  cancelSubmission,
  conceptBreakdown,
  createRankedSubmission,
  createSubmission,
  getSubmission,
  getSubmissionSecret,
  mayRunRanked,
  type NewSubmission,
  NOT_PARTICIPANT,
  NotParticipantError,
  predictionsFor,
  probeResult,
  type Quota,
  QuotaError,
  queueList,
  queueStatus,
  RankedDrawError,
  RetiredVersionError,
  rankedDrawOf,
  rankedRunCount,
  recordProvenance,
  refuseClosedVersion,
  rerunErroredEpisodes,
  retrySubmission,
  setVisibility,
  submissionCount,
  submissionCurves,
  submissionDetail,
  submissionFailures,
  submissionForRunner,
  submissionOwner,
  submissionsOf,
} from './queries/submissions';
export {
  type SpentCost,
  type StoredPreflight,
  type StoredServedBy,
  type SubmissionUsage,
  spentCosts,
  submissionUsage,
} from './queries/usage';
export {
  isRankedDrawOf,
  type RankedEpisode,
  RUN_ENDED_STATES,
  rankedEpisodeOf,
  rankedImageOf,
  UNANSWERED_EPISODE,
} from './queries/visibility';
export {
  claimWebhookDelivery,
  enqueueWebhook,
  finishWebhookDelivery,
  releaseWebhookDelivery,
  type StoredWebhookPayload,
  type WebhookDelivery,
  type WebhookOutcome,
  webhookDeliveriesOf,
  webhookTarget,
} from './queries/webhooks';
export {
  accounts,
  apiKeys,
  sessions,
  USER_ROLES,
  type UserRole,
  users,
  verifications,
} from './schema';
export { decryptSecret, encryptSecret, loadSecretKey, newWebhookSecret } from './secrets';
