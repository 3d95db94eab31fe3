// The platform layer: the rules every path goes through, held once (see README "Layers").

export {
  BOARD_METHOD,
  BOARD_REPLICATES,
  BoardNotFound,
  type BoardRanker,
  type BoardRead,
  boardRanker,
  buildBoardSnapshot,
  currentBoardRanker,
  inlineBoardRanker,
  readBoard,
  refreshStaleBoards,
  setBoardRanker,
} from './boards';
export { estimate, type SubmissionEstimate } from './estimate';
export {
  assertEpisodeReadable,
  assertPublicBoard,
  mayChange,
  mayRead,
  type Reader,
  ReadRefused,
  readableRankedImage,
  readableSubmission,
} from './readers';
export {
  PLATFORM_ENV,
  type PlatformEnv,
  type PlatformSettings,
  platformSettings,
} from './settings';
export {
  benchmarkVersionNamed,
  type ConnectionTest,
  checkedEndpoint,
  endpointOf,
  queueConnectionTest,
  type RefusalReason,
  refusing,
  rerunErrors,
  retry,
  runQuota,
  type SubmitBody,
  SubmitRefused,
  type SubmitRequest,
  type Submitted,
  type Submitter,
  sealSecret,
  submit,
  typedConfig,
} from './submit';
