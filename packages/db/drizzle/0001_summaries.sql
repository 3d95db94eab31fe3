CREATE TABLE "submission_summaries" (
	"submission_id" integer NOT NULL,
	"scorer" "scorer" NOT NULL,
	"policy" "policy" NOT NULL,
	"n" integer NOT NULL,
	"correct" integer NOT NULL,
	"novel_n" integer NOT NULL,
	"novel_correct" integer NOT NULL,
	"unreadable" integer NOT NULL,
	"per_shot" jsonb NOT NULL,
	CONSTRAINT "submission_summaries_submission_id_scorer_policy_pk" PRIMARY KEY("submission_id","scorer","policy")
);
--> statement-breakpoint
ALTER TABLE "submission_summaries" ADD CONSTRAINT "submission_summaries_submission_id_submissions_id_fk" FOREIGN KEY ("submission_id") REFERENCES "public"."submissions"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "submission_summaries_board" ON "submission_summaries" USING btree ("scorer","policy");