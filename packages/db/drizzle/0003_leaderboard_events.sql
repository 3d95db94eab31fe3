-- Hand-written: the site caches rendered leaderboard responses and drops them when this channel
-- speaks. Triggers rather than calls in each query, so that every path that changes what a public
-- leaderboard shows (a runner finishing, a publish or hide, a re-score, an import, a manual fix)
-- notifies, and nothing else does: claims, heartbeats, provenance and private or hidden runs
-- (connection tests among them) stay quiet. PostgreSQL folds repeats within a transaction into
-- one notification, sent at commit.
CREATE FUNCTION linkboard_notify_leaderboard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('linkboard_leaderboard', TG_TABLE_NAME);
  RETURN NULL;
END;
$$;
--> statement-breakpoint
-- A summary row matters only while its submission is on a leaderboard (done and public); when a
-- submission first gets there, the submissions trigger speaks.
CREATE FUNCTION linkboard_notify_leaderboard_summary() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  sid integer;
BEGIN
  IF TG_OP = 'DELETE' THEN sid := OLD.submission_id; ELSE sid := NEW.submission_id; END IF;
  IF EXISTS (SELECT 1 FROM submissions WHERE id = sid AND status = 'done' AND visibility = 'public') THEN
    PERFORM pg_notify('linkboard_leaderboard', TG_TABLE_NAME);
  END IF;
  RETURN NULL;
END;
$$;
--> statement-breakpoint
CREATE TRIGGER leaderboard_summaries AFTER INSERT OR UPDATE OR DELETE ON submission_summaries
  FOR EACH ROW EXECUTE FUNCTION linkboard_notify_leaderboard_summary();
--> statement-breakpoint
CREATE TRIGGER leaderboard_summaries_truncate AFTER TRUNCATE ON submission_summaries
  FOR EACH STATEMENT EXECUTE FUNCTION linkboard_notify_leaderboard();
--> statement-breakpoint
-- A submission is on a leaderboard while done and public: notify when it arrives, leaves, or
-- changes what its row shows.
CREATE TRIGGER leaderboard_submissions_update AFTER UPDATE ON submissions FOR EACH ROW
  WHEN ((OLD.status = 'done' AND OLD.visibility = 'public') IS DISTINCT FROM (NEW.status = 'done' AND NEW.visibility = 'public')
        OR (NEW.status = 'done' AND NEW.visibility = 'public'
            AND (OLD.model_id IS DISTINCT FROM NEW.model_id
                 OR OLD.benchmark_version_id IS DISTINCT FROM NEW.benchmark_version_id
                 OR OLD.finished_at IS DISTINCT FROM NEW.finished_at)))
  EXECUTE FUNCTION linkboard_notify_leaderboard();
--> statement-breakpoint
CREATE TRIGGER leaderboard_submissions_insert AFTER INSERT ON submissions FOR EACH ROW
  WHEN (NEW.status = 'done' AND NEW.visibility = 'public') EXECUTE FUNCTION linkboard_notify_leaderboard();
--> statement-breakpoint
CREATE TRIGGER leaderboard_submissions_delete AFTER DELETE ON submissions FOR EACH ROW
  WHEN (OLD.status = 'done' AND OLD.visibility = 'public') EXECUTE FUNCTION linkboard_notify_leaderboard();
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
