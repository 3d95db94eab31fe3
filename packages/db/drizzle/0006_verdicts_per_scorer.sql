CREATE TABLE "verdicts" (
	"submission_id" integer NOT NULL,
	"episode_id" text NOT NULL,
	"scorer" text NOT NULL,
	"scorer_version" smallint NOT NULL,
	"outcome" "outcome" NOT NULL,
	"rule" text NOT NULL,
	CONSTRAINT "verdicts_submission_id_scorer_episode_id_pk" PRIMARY KEY("submission_id","scorer","episode_id")
);
--> statement-breakpoint
ALTER TABLE "submission_concept_scores" ALTER COLUMN "scorer" SET DATA TYPE text;--> statement-breakpoint
ALTER TABLE "submission_scores" ALTER COLUMN "scorer" SET DATA TYPE text;--> statement-breakpoint
ALTER TABLE "submission_summaries" ALTER COLUMN "scorer" SET DATA TYPE text;--> statement-breakpoint
ALTER TABLE "submissions" ALTER COLUMN "scorer" DROP DEFAULT;--> statement-breakpoint
ALTER TABLE "submissions" ALTER COLUMN "scorer" SET DATA TYPE text;--> statement-breakpoint
ALTER TABLE "submissions" ALTER COLUMN "scorer" SET DEFAULT 'official';--> statement-breakpoint
ALTER TABLE "verdicts" ADD CONSTRAINT "verdicts_submission_id_episode_id_results_submission_id_episode_id_fk" FOREIGN KEY ("submission_id","episode_id") REFERENCES "public"."results"("submission_id","episode_id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
-- The two scorers' verdicts move from results' columns to rows of their own (both were version 1).
INSERT INTO "verdicts" ("submission_id", "episode_id", "scorer", "scorer_version", "outcome", "rule")
  SELECT "submission_id", "episode_id", 'official', 1, "official_outcome", "official_rule" FROM "results"
  UNION ALL
  SELECT "submission_id", "episode_id", 'strict', 1, "strict_outcome", "strict_rule" FROM "results";--> statement-breakpoint
ALTER TABLE "results" DROP COLUMN "official_outcome";--> statement-breakpoint
ALTER TABLE "results" DROP COLUMN "official_rule";--> statement-breakpoint
ALTER TABLE "results" DROP COLUMN "strict_outcome";--> statement-breakpoint
ALTER TABLE "results" DROP COLUMN "strict_rule";--> statement-breakpoint
DROP TYPE "public"."scorer";