CREATE TABLE "predictions" (
	"submission_id" integer NOT NULL,
	"episode_id" text NOT NULL,
	"answer" text,
	CONSTRAINT "predictions_submission_id_episode_id_pk" PRIMARY KEY("submission_id","episode_id")
);
--> statement-breakpoint
ALTER TABLE "submissions" ADD COLUMN "probe" boolean DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE "predictions" ADD CONSTRAINT "predictions_submission_id_submissions_id_fk" FOREIGN KEY ("submission_id") REFERENCES "public"."submissions"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
-- Connection tests were marked by a `probe` key in the jsonb; now by the column.
UPDATE "submissions" SET "probe" = true WHERE "adapter_config" ? 'probe';--> statement-breakpoint
-- Uploaded answers move out of the submission row, one row per episode (a JSON null stays null).
INSERT INTO "predictions" ("submission_id", "episode_id", "answer")
SELECT s."id", a."key", a."value"
FROM "submissions" s CROSS JOIN LATERAL jsonb_each_text(s."adapter_config" -> 'answers') a
WHERE jsonb_typeof(s."adapter_config" -> 'answers') = 'object';--> statement-breakpoint
-- What stays is core's AdapterConfig: no answers or probe key; a predictions config counts its answers.
UPDATE "submissions" SET "adapter_config" = ("adapter_config" - 'answers' - 'probe') || CASE
    WHEN "adapter" = 'predictions' THEN jsonb_build_object('count', CASE
      WHEN jsonb_typeof("adapter_config" -> 'answers') = 'object'
      THEN (SELECT count(*) FROM jsonb_object_keys("adapter_config" -> 'answers'))::int
      ELSE 0 END)
    ELSE '{}'::jsonb END
WHERE "adapter_config" ?| ARRAY['answers', 'probe'] OR "adapter" = 'predictions';
