-- Results and verdicts lose their foreign keys: each checked every row as it was stored (a
-- look-up of the row it names and a lock on it, per row: two thirds of the cost of ingest, the
-- verdicts' most). What they kept is kept by the triggers below, once per statement:
--   - a statement storing results checks that their submissions exist, and locks them (KEY SHARE,
--     as the key did) until its transaction ends, so that none is deleted under them;
--   - deleting a submission deletes its results, and deleting results deletes their verdicts
--     (the keys' cascades);
--   - the keys a row is named by cannot change (the keys refused it).
-- Verdicts are written only with their result, in the transaction that stores it (the write
-- path), or for results locked while they are read (re-scoring): nothing checks them as they are
-- stored. Delete submissions at READ COMMITTED, as the site and the CLI run: a deletion's trigger
-- then sees the results of any transaction it waited for (and under REPEATABLE READ, a result
-- writer's update of its job fails the deletion's cascade to the job instead).
ALTER TABLE "results" DROP CONSTRAINT "results_submission_id_submissions_id_fk";
--> statement-breakpoint
ALTER TABLE "verdicts" DROP CONSTRAINT "verdicts_submission_id_episode_id_results_submission_id_episode_id_fk";
--> statement-breakpoint
CREATE FUNCTION linkboard_results_added() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  missing integer;
BEGIN
  PERFORM 1 FROM submissions s WHERE s.id IN (SELECT DISTINCT a.submission_id FROM added a)
    FOR KEY SHARE OF s;
  SELECT a.submission_id INTO missing FROM (SELECT DISTINCT submission_id FROM added) a
    WHERE NOT EXISTS (SELECT 1 FROM submissions s WHERE s.id = a.submission_id) LIMIT 1;
  IF FOUND THEN
    RAISE EXCEPTION 'results name submission %, which does not exist', missing
      USING ERRCODE = 'foreign_key_violation';
  END IF;
  RETURN NULL;
END
$$;
--> statement-breakpoint
CREATE TRIGGER results_added AFTER INSERT ON results REFERENCING NEW TABLE AS added
  FOR EACH STATEMENT EXECUTE FUNCTION linkboard_results_added();
--> statement-breakpoint
CREATE FUNCTION linkboard_submissions_deleted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  DELETE FROM results r WHERE r.submission_id IN (SELECT g.id FROM gone g);
  RETURN NULL;
END
$$;
--> statement-breakpoint
CREATE TRIGGER submissions_deleted AFTER DELETE ON submissions REFERENCING OLD TABLE AS gone
  FOR EACH STATEMENT EXECUTE FUNCTION linkboard_submissions_deleted();
--> statement-breakpoint
-- A statement that deletes results (an error cleared for a retry, a submission deleted) takes
-- with it every verdict of those submissions that no longer has a result: one pass over each
-- submission's verdicts, by the primary key's leading column, however many results went (a
-- verdict's key has the scorer between submission and episode, so a look-up per deleted result
-- would read all of its submission's verdicts, on PostgreSQL before 18, for each one).
CREATE FUNCTION linkboard_results_deleted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  DELETE FROM verdicts v
  WHERE v.submission_id IN (SELECT DISTINCT g.submission_id FROM gone g)
    AND NOT EXISTS (SELECT 1 FROM results r
                    WHERE r.submission_id = v.submission_id AND r.episode_id = v.episode_id);
  RETURN NULL;
END
$$;
--> statement-breakpoint
CREATE TRIGGER results_deleted AFTER DELETE ON results REFERENCING OLD TABLE AS gone
  FOR EACH STATEMENT EXECUTE FUNCTION linkboard_results_deleted();
--> statement-breakpoint
CREATE FUNCTION linkboard_results_truncated() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  TRUNCATE verdicts;
  RETURN NULL;
END
$$;
--> statement-breakpoint
CREATE TRIGGER results_truncated AFTER TRUNCATE ON results
  FOR EACH STATEMENT EXECUTE FUNCTION linkboard_results_truncated();
--> statement-breakpoint
CREATE FUNCTION linkboard_key_kept() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION '%: a row''s key cannot change (the rows naming it would lose it)', TG_TABLE_NAME
    USING ERRCODE = 'foreign_key_violation';
END
$$;
--> statement-breakpoint
CREATE TRIGGER results_key_kept BEFORE UPDATE OF submission_id, episode_id ON results FOR EACH ROW
  WHEN (OLD.submission_id IS DISTINCT FROM NEW.submission_id OR OLD.episode_id IS DISTINCT FROM NEW.episode_id)
  EXECUTE FUNCTION linkboard_key_kept();
--> statement-breakpoint
CREATE TRIGGER submissions_key_kept BEFORE UPDATE OF id ON submissions FOR EACH ROW
  WHEN (OLD.id IS DISTINCT FROM NEW.id)
  EXECUTE FUNCTION linkboard_key_kept();
