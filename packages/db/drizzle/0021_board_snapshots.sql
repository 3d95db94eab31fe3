CREATE TABLE "board_inputs" (
	"benchmark_version_id" integer PRIMARY KEY NOT NULL,
	"seq" bigint NOT NULL,
	"changed_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "board_snapshot_rows" (
	"generation" bigint NOT NULL,
	"position" integer NOT NULL,
	"row" jsonb NOT NULL,
	CONSTRAINT "board_snapshot_rows_generation_position_pk" PRIMARY KEY("generation","position")
);
--> statement-breakpoint
CREATE TABLE "board_snapshots" (
	"generation" bigserial PRIMARY KEY NOT NULL,
	"benchmark_version_id" integer NOT NULL,
	"policy" "policy" NOT NULL,
	"scorer" text NOT NULL,
	"self_reported" boolean NOT NULL,
	"inputs_seq" bigint NOT NULL,
	"method" text NOT NULL,
	"row_count" integer NOT NULL,
	"build_ms" integer NOT NULL,
	"built_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "board_inputs" ADD CONSTRAINT "board_inputs_benchmark_version_id_benchmark_versions_id_fk" FOREIGN KEY ("benchmark_version_id") REFERENCES "public"."benchmark_versions"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "board_snapshot_rows" ADD CONSTRAINT "board_snapshot_rows_generation_board_snapshots_generation_fk" FOREIGN KEY ("generation") REFERENCES "public"."board_snapshots"("generation") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "board_snapshots" ADD CONSTRAINT "board_snapshots_benchmark_version_id_benchmark_versions_id_fk" FOREIGN KEY ("benchmark_version_id") REFERENCES "public"."benchmark_versions"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "board_snapshots_board" ON "board_snapshots" USING btree ("benchmark_version_id","policy","scorer","self_reported");--> statement-breakpoint
-- Hand-written: boards are ranked off the request path and kept as snapshots; a snapshot is current
-- while its version's counter has not moved. Triggers rather than calls in each query, as for the
-- change notifications of 0003, so that every path that changes a board's inputs marks it, and
-- nothing else does (claims, heartbeats, private and running submissions stay quiet).
-- A version being deleted (its pairs cascade) has no counter left to bump.
CREATE FUNCTION linkboard_bump_board(version_id integer) RETURNS void LANGUAGE sql AS $$
  INSERT INTO board_inputs (benchmark_version_id, seq)
  SELECT version_id, 1 WHERE EXISTS (SELECT 1 FROM benchmark_versions WHERE id = version_id)
  ON CONFLICT (benchmark_version_id) DO UPDATE SET seq = board_inputs.seq + 1, changed_at = now();
$$;
--> statement-breakpoint
CREATE FUNCTION linkboard_board_summary_changed() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  sid integer;
  vid integer;
BEGIN
  IF TG_OP = 'DELETE' THEN sid := OLD.submission_id; ELSE sid := NEW.submission_id; END IF;
  SELECT benchmark_version_id INTO vid FROM submissions WHERE id = sid AND status = 'done' AND visibility = 'public';
  IF vid IS NOT NULL THEN PERFORM linkboard_bump_board(vid); END IF;
  RETURN NULL;
END;
$$;
--> statement-breakpoint
CREATE TRIGGER board_summaries AFTER INSERT OR UPDATE OR DELETE ON submission_summaries
  FOR EACH ROW EXECUTE FUNCTION linkboard_board_summary_changed();
--> statement-breakpoint
CREATE FUNCTION linkboard_board_submission_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    PERFORM linkboard_bump_board(NEW.benchmark_version_id);
  ELSIF TG_OP = 'DELETE' THEN
    PERFORM linkboard_bump_board(OLD.benchmark_version_id);
  ELSE
    -- The version it left (if it was on a board) and the one it is on now (if it is).
    IF OLD.status = 'done' AND OLD.visibility = 'public' THEN
      PERFORM linkboard_bump_board(OLD.benchmark_version_id);
    END IF;
    IF NEW.status = 'done' AND NEW.visibility = 'public' AND NEW.benchmark_version_id IS DISTINCT FROM OLD.benchmark_version_id THEN
      PERFORM linkboard_bump_board(NEW.benchmark_version_id);
    END IF;
    IF NEW.status = 'done' AND NEW.visibility = 'public' AND NOT (OLD.status = 'done' AND OLD.visibility = 'public') THEN
      PERFORM linkboard_bump_board(NEW.benchmark_version_id);
    END IF;
  END IF;
  RETURN NULL;
END;
$$;
--> statement-breakpoint
-- What a board row shows of its submission: arriving, leaving, or any of these changing.
CREATE TRIGGER board_submissions_update AFTER UPDATE ON submissions FOR EACH ROW
  WHEN ((OLD.status = 'done' AND OLD.visibility = 'public') IS DISTINCT FROM (NEW.status = 'done' AND NEW.visibility = 'public')
        OR (NEW.status = 'done' AND NEW.visibility = 'public'
            AND (OLD.model_id, OLD.benchmark_version_id, OLD.finished_at, OLD.exposure, OLD.model_revision,
                 OLD.adapter, OLD.adapter_config, OLD.shots, OLD.draws, OLD.policies)
                IS DISTINCT FROM
                (NEW.model_id, NEW.benchmark_version_id, NEW.finished_at, NEW.exposure, NEW.model_revision,
                 NEW.adapter, NEW.adapter_config, NEW.shots, NEW.draws, NEW.policies)))
  EXECUTE FUNCTION linkboard_board_submission_changed();
--> statement-breakpoint
CREATE TRIGGER board_submissions_insert AFTER INSERT ON submissions FOR EACH ROW
  WHEN (NEW.status = 'done' AND NEW.visibility = 'public') EXECUTE FUNCTION linkboard_board_submission_changed();
--> statement-breakpoint
CREATE TRIGGER board_submissions_delete AFTER DELETE ON submissions FOR EACH ROW
  WHEN (OLD.status = 'done' AND OLD.visibility = 'public') EXECUTE FUNCTION linkboard_board_submission_changed();
--> statement-breakpoint
-- A model's card is copied into each of its rows: any edit marks the versions it is ranked on.
CREATE FUNCTION linkboard_board_model_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM linkboard_bump_board(v.id) FROM (
    SELECT DISTINCT benchmark_version_id AS id FROM submissions
    WHERE model_id = NEW.id AND status = 'done' AND visibility = 'public') v;
  -- Boards name the model in every row, so they speak as 0003's do.
  PERFORM pg_notify('linkboard_leaderboard', TG_TABLE_NAME);
  RETURN NULL;
END;
$$;
--> statement-breakpoint
CREATE TRIGGER board_models AFTER UPDATE ON models FOR EACH ROW
  WHEN (OLD.* IS DISTINCT FROM NEW.*) EXECUTE FUNCTION linkboard_board_model_changed();
--> statement-breakpoint
CREATE FUNCTION linkboard_board_version_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_TABLE_NAME = 'benchmark_versions' THEN
    PERFORM linkboard_bump_board(NEW.id);
  ELSIF TG_OP = 'DELETE' THEN
    PERFORM linkboard_bump_board(OLD.benchmark_version_id);
  ELSE
    PERFORM linkboard_bump_board(NEW.benchmark_version_id);
  END IF;
  RETURN NULL;
END;
$$;
--> statement-breakpoint
CREATE TRIGGER board_versions AFTER UPDATE ON benchmark_versions FOR EACH ROW
  WHEN (OLD.ranked_setting IS DISTINCT FROM NEW.ranked_setting) EXECUTE FUNCTION linkboard_board_version_changed();
--> statement-breakpoint
CREATE TRIGGER board_pairs AFTER INSERT OR DELETE ON pairs FOR EACH ROW
  EXECUTE FUNCTION linkboard_board_version_changed();
--> statement-breakpoint
-- A new snapshot changes what the boards show: the site's page cache hears it on 0003's channel.
CREATE TRIGGER leaderboard_board_snapshots AFTER INSERT ON board_snapshots
  FOR EACH STATEMENT EXECUTE FUNCTION linkboard_notify_leaderboard();
