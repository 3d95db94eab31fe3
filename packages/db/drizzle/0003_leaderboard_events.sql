-- Hand-written: the site caches rendered leaderboard responses and drops them when this channel
-- speaks. Triggers rather than calls in each query, so that every path that changes what the
-- leaderboard shows (a runner finishing, a publish or hide, a re-score, an import, a manual fix)
-- notifies. PostgreSQL folds repeats within a transaction into one notification, sent at commit.
CREATE FUNCTION linkboard_notify_leaderboard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('linkboard_leaderboard', TG_TABLE_NAME);
  RETURN NULL;
END;
$$;
--> statement-breakpoint
CREATE TRIGGER leaderboard_summaries AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON submission_summaries
  FOR EACH STATEMENT EXECUTE FUNCTION linkboard_notify_leaderboard();
--> statement-breakpoint
-- Row-level with WHEN on submissions and models: a claim's no-op status update, progress and
-- provenance writes must not empty the cache; only what the leaderboard shows does.
CREATE TRIGGER leaderboard_submissions_update AFTER UPDATE ON submissions FOR EACH ROW
  WHEN ((OLD.status = 'done') IS DISTINCT FROM (NEW.status = 'done')
        OR OLD.visibility IS DISTINCT FROM NEW.visibility
        OR OLD.model_id IS DISTINCT FROM NEW.model_id
        OR OLD.benchmark_version_id IS DISTINCT FROM NEW.benchmark_version_id
        OR (NEW.status = 'done' AND OLD.finished_at IS DISTINCT FROM NEW.finished_at))
  EXECUTE FUNCTION linkboard_notify_leaderboard();
--> statement-breakpoint
CREATE TRIGGER leaderboard_submissions_insert AFTER INSERT ON submissions FOR EACH ROW
  WHEN (NEW.status = 'done') EXECUTE FUNCTION linkboard_notify_leaderboard();
--> statement-breakpoint
CREATE TRIGGER leaderboard_submissions_delete AFTER DELETE ON submissions FOR EACH ROW
  WHEN (OLD.status = 'done') EXECUTE FUNCTION linkboard_notify_leaderboard();
--> statement-breakpoint
CREATE TRIGGER leaderboard_models AFTER UPDATE ON models FOR EACH ROW
  WHEN (OLD.name IS DISTINCT FROM NEW.name OR OLD.organisation IS DISTINCT FROM NEW.organisation)
  EXECUTE FUNCTION linkboard_notify_leaderboard();
--> statement-breakpoint
CREATE TRIGGER leaderboard_versions AFTER INSERT OR UPDATE OR DELETE ON benchmark_versions
  FOR EACH STATEMENT EXECUTE FUNCTION linkboard_notify_leaderboard();
--> statement-breakpoint
CREATE TRIGGER leaderboard_benchmarks AFTER UPDATE OR DELETE ON benchmarks
  FOR EACH STATEMENT EXECUTE FUNCTION linkboard_notify_leaderboard();
--> statement-breakpoint
CREATE TRIGGER leaderboard_pairs AFTER INSERT OR DELETE ON pairs
  FOR EACH STATEMENT EXECUTE FUNCTION linkboard_notify_leaderboard();
