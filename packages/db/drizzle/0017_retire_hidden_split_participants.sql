CREATE TYPE "public"."quota_use_kind" AS ENUM('submission', 'connection-test');--> statement-breakpoint
ALTER TYPE "public"."user_role" ADD VALUE 'participant' BEFORE 'admin';--> statement-breakpoint
CREATE TABLE "quota_uses" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"owner_id" text NOT NULL,
	"kind" "quota_use_kind" NOT NULL,
	"submission_id" integer,
	"action" text NOT NULL,
	"used_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "benchmark_versions" ADD COLUMN "retired_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "quota_uses" ADD CONSTRAINT "quota_uses_owner_id_users_id_fk" FOREIGN KEY ("owner_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "quota_uses" ADD CONSTRAINT "quota_uses_submission_id_submissions_id_fk" FOREIGN KEY ("submission_id") REFERENCES "public"."submissions"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "quota_uses_owner_time" ON "quota_uses" USING btree ("owner_id","kind","used_at");--> statement-breakpoint
-- The fixed hidden test split is retired: kept readable, never submitted to again.
UPDATE "benchmark_versions" SET "retired_at" = now() WHERE "split" = 'hidden' AND NOT "ranked_draw";--> statement-breakpoint
-- Runs on it that had not ended stop here: its labels are readable now, so what they answered next would be an open book.
UPDATE "jobs" SET "status" = 'cancelled', "lease_token" = NULL, "lease_expires_at" = NULL
WHERE "status" IN ('queued', 'running') AND "submission_id" IN (
  SELECT s."id" FROM "submissions" s JOIN "benchmark_versions" v ON v."id" = s."benchmark_version_id" WHERE v."retired_at" IS NOT NULL);--> statement-breakpoint
UPDATE "submissions" SET "status" = 'cancelled', "finished_at" = now(),
  "last_error" = 'cancelled: its benchmark version was retired (a fixed hidden test split leaks its answer key); submit a ranked run instead'
WHERE "status" IN ('queued', 'running') AND "benchmark_version_id" IN (SELECT "id" FROM "benchmark_versions" WHERE "retired_at" IS NOT NULL);--> statement-breakpoint
-- The last day's submissions count against the quota as they did before this table.
INSERT INTO "quota_uses" ("owner_id", "kind", "submission_id", "action", "used_at")
SELECT "owner_id", CASE WHEN "probe" THEN 'connection-test'::quota_use_kind ELSE 'submission'::quota_use_kind END, "id", 'create', "created_at"
FROM "submissions" WHERE "owner_id" IS NOT NULL AND "created_at" > now() - interval '24 hours';
