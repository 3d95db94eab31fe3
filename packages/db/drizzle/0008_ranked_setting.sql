CREATE TABLE "submission_ranked_counts" (
	"submission_id" integer NOT NULL,
	"scorer" text NOT NULL,
	"policy" "policy" NOT NULL,
	"concept_id" integer NOT NULL,
	"n" integer NOT NULL,
	"correct" integer NOT NULL,
	CONSTRAINT "submission_ranked_counts_submission_id_scorer_policy_concept_id_pk" PRIMARY KEY("submission_id","scorer","policy","concept_id")
);
--> statement-breakpoint
ALTER TABLE "submissions" ALTER COLUMN "scorer" SET DEFAULT 'strict';--> statement-breakpoint
ALTER TABLE "benchmark_versions" ADD COLUMN "ranked_setting" jsonb DEFAULT '{"shots":[2,4,8,16],"draws":2,"policy":"lcl","scorer":"strict"}'::jsonb NOT NULL;--> statement-breakpoint
ALTER TABLE "submission_ranked_counts" ADD CONSTRAINT "submission_ranked_counts_submission_id_submissions_id_fk" FOREIGN KEY ("submission_id") REFERENCES "public"."submissions"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
-- Finished submissions get their ranked counts (new submissions get them when they complete).
INSERT INTO "submission_ranked_counts" ("submission_id", "scorer", "policy", "concept_id", "n", "correct")
SELECT r."submission_id", v."scorer", r."policy", r."concept_id", count(*), count(*) FILTER (WHERE v."outcome" = 'correct')
FROM "results" r
  JOIN "verdicts" v ON v."submission_id" = r."submission_id" AND v."episode_id" = r."episode_id"
  JOIN "episodes" e ON e."id" = r."episode_id"
  JOIN "submissions" s ON s."id" = r."submission_id"
  JOIN "benchmark_versions" bv ON bv."id" = s."benchmark_version_id"
WHERE s."status" = 'done'
  AND bv."ranked_setting" -> 'shots' @> to_jsonb(r."shots"::int)
  AND e."draw" < (bv."ranked_setting" ->> 'draws')::int
GROUP BY r."submission_id", v."scorer", r."policy", r."concept_id";
