CREATE TYPE "public"."adapter" AS ENUM('openai', 'serve', 'predictions', 'builtin');--> statement-breakpoint
CREATE TYPE "public"."image_role" AS ENUM('support', 'query');--> statement-breakpoint
CREATE TYPE "public"."job_status" AS ENUM('queued', 'running', 'done', 'failed', 'cancelled');--> statement-breakpoint
CREATE TYPE "public"."outcome" AS ENUM('correct', 'other-label', 'both', 'neither', 'empty', 'error');--> statement-breakpoint
CREATE TYPE "public"."policy" AS ENUM('lcl', 'icl', 'zero-shot');--> statement-breakpoint
CREATE TYPE "public"."query_class" AS ENUM('novel', 'familiar');--> statement-breakpoint
CREATE TYPE "public"."user_role" AS ENUM('submitter', 'admin');--> statement-breakpoint
CREATE TYPE "public"."scorer" AS ENUM('official', 'strict');--> statement-breakpoint
CREATE TYPE "public"."submission_status" AS ENUM('queued', 'running', 'done', 'failed', 'cancelled');--> statement-breakpoint
CREATE TYPE "public"."visibility" AS ENUM('public', 'private', 'hidden');--> statement-breakpoint
CREATE TABLE "api_tokens" (
	"id" serial PRIMARY KEY NOT NULL,
	"user_id" uuid NOT NULL,
	"name" text NOT NULL,
	"token_hash" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"last_used_at" timestamp with time zone,
	"revoked_at" timestamp with time zone,
	CONSTRAINT "api_tokens_token_hash_unique" UNIQUE("token_hash")
);
--> statement-breakpoint
CREATE TABLE "benchmark_versions" (
	"id" serial PRIMARY KEY NOT NULL,
	"benchmark_id" integer NOT NULL,
	"version" text NOT NULL,
	"manifest_hash" text NOT NULL,
	"manifest" jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "benchmark_versions_manifest_hash_unique" UNIQUE("manifest_hash")
);
--> statement-breakpoint
CREATE TABLE "benchmarks" (
	"id" serial PRIMARY KEY NOT NULL,
	"name" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "benchmarks_name_unique" UNIQUE("name")
);
--> statement-breakpoint
CREATE TABLE "concepts" (
	"id" serial PRIMARY KEY NOT NULL,
	"benchmark_version_id" integer NOT NULL,
	"pair_id" integer NOT NULL,
	"key" text NOT NULL,
	"name" text NOT NULL,
	"description" text,
	"query_class" "query_class" NOT NULL
);
--> statement-breakpoint
CREATE TABLE "episodes" (
	"id" text PRIMARY KEY NOT NULL,
	"benchmark_version_id" integer NOT NULL,
	"query_image" text NOT NULL,
	"concept_id" integer NOT NULL,
	"shots" smallint NOT NULL,
	"draw" smallint NOT NULL,
	"policy" "policy" NOT NULL,
	"support" jsonb NOT NULL,
	"prompt_text" text NOT NULL,
	"demo_hash" text NOT NULL
);
--> statement-breakpoint
CREATE TABLE "images" (
	"benchmark_version_id" integer NOT NULL,
	"sha256" text NOT NULL,
	"concept_id" integer NOT NULL,
	"role" "image_role" NOT NULL,
	"width" integer NOT NULL,
	"height" integer NOT NULL,
	"media_type" text NOT NULL,
	CONSTRAINT "images_benchmark_version_id_sha256_pk" PRIMARY KEY("benchmark_version_id","sha256")
);
--> statement-breakpoint
CREATE TABLE "jobs" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"submission_id" integer NOT NULL,
	"first_episode" integer NOT NULL,
	"episode_count" integer NOT NULL,
	"status" "job_status" DEFAULT 'queued' NOT NULL,
	"priority" integer DEFAULT 0 NOT NULL,
	"attempts" smallint DEFAULT 0 NOT NULL,
	"max_attempts" smallint DEFAULT 5 NOT NULL,
	"run_after" timestamp with time zone DEFAULT now() NOT NULL,
	"lease_owner" text,
	"lease_token" uuid,
	"lease_expires_at" timestamp with time zone,
	"heartbeat_at" timestamp with time zone,
	"progress_done" integer DEFAULT 0 NOT NULL,
	"last_error" text,
	"error_class" text,
	"run_info" jsonb,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"started_at" timestamp with time zone,
	"finished_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "models" (
	"id" serial PRIMARY KEY NOT NULL,
	"name" text NOT NULL,
	"organisation" text,
	"url" text,
	"owner_id" uuid,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "models_name_unique" UNIQUE("name")
);
--> statement-breakpoint
CREATE TABLE "pairs" (
	"id" serial PRIMARY KEY NOT NULL,
	"benchmark_version_id" integer NOT NULL,
	"key" text NOT NULL
);
--> statement-breakpoint
CREATE TABLE "results" (
	"submission_id" integer NOT NULL,
	"episode_id" text NOT NULL,
	"shots" smallint NOT NULL,
	"policy" "policy" NOT NULL,
	"concept_id" integer NOT NULL,
	"query_class" "query_class" NOT NULL,
	"raw_answer" text,
	"error_class" text,
	"official_outcome" "outcome" NOT NULL,
	"official_rule" text NOT NULL,
	"strict_outcome" "outcome" NOT NULL,
	"strict_rule" text NOT NULL,
	"latency_ms" integer,
	"prompt_tokens" integer,
	"completion_tokens" integer,
	"attempts" smallint DEFAULT 1 NOT NULL,
	CONSTRAINT "results_submission_id_episode_id_pk" PRIMARY KEY("submission_id","episode_id")
);
--> statement-breakpoint
CREATE TABLE "submission_concept_scores" (
	"submission_id" integer NOT NULL,
	"scorer" "scorer" NOT NULL,
	"concept_id" integer NOT NULL,
	"shots" smallint NOT NULL,
	"policy" "policy" NOT NULL,
	"n" integer NOT NULL,
	"correct" integer NOT NULL,
	"other_label" integer NOT NULL,
	"both" integer NOT NULL,
	"neither" integer NOT NULL,
	"empty" integer NOT NULL,
	"error" integer NOT NULL,
	CONSTRAINT "submission_concept_scores_submission_id_scorer_concept_id_shots_policy_pk" PRIMARY KEY("submission_id","scorer","concept_id","shots","policy")
);
--> statement-breakpoint
CREATE TABLE "submission_scores" (
	"submission_id" integer NOT NULL,
	"scorer" "scorer" NOT NULL,
	"shots" smallint NOT NULL,
	"policy" "policy" NOT NULL,
	"n" integer NOT NULL,
	"correct" integer NOT NULL,
	"other_label" integer NOT NULL,
	"both" integer NOT NULL,
	"neither" integer NOT NULL,
	"empty" integer NOT NULL,
	"error" integer NOT NULL,
	"novel_n" integer NOT NULL,
	"novel_correct" integer NOT NULL,
	"mean_latency_ms" real,
	CONSTRAINT "submission_scores_submission_id_scorer_shots_policy_pk" PRIMARY KEY("submission_id","scorer","shots","policy")
);
--> statement-breakpoint
CREATE TABLE "submissions" (
	"id" serial PRIMARY KEY NOT NULL,
	"model_id" integer NOT NULL,
	"benchmark_version_id" integer NOT NULL,
	"owner_id" uuid,
	"adapter" "adapter" NOT NULL,
	"adapter_config" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"secret" text,
	"shots" smallint[] NOT NULL,
	"policies" "policy"[] NOT NULL,
	"draws" smallint DEFAULT 1 NOT NULL,
	"scorer" "scorer" DEFAULT 'official' NOT NULL,
	"visibility" "visibility" DEFAULT 'public' NOT NULL,
	"status" "submission_status" DEFAULT 'queued' NOT NULL,
	"total_episodes" integer NOT NULL,
	"provenance" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"last_error" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"started_at" timestamp with time zone,
	"finished_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "users" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"email" text NOT NULL,
	"name" text NOT NULL,
	"role" "user_role" DEFAULT 'submitter' NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "users_email_unique" UNIQUE("email")
);
--> statement-breakpoint
ALTER TABLE "api_tokens" ADD CONSTRAINT "api_tokens_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "benchmark_versions" ADD CONSTRAINT "benchmark_versions_benchmark_id_benchmarks_id_fk" FOREIGN KEY ("benchmark_id") REFERENCES "public"."benchmarks"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "concepts" ADD CONSTRAINT "concepts_benchmark_version_id_benchmark_versions_id_fk" FOREIGN KEY ("benchmark_version_id") REFERENCES "public"."benchmark_versions"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "concepts" ADD CONSTRAINT "concepts_pair_id_pairs_id_fk" FOREIGN KEY ("pair_id") REFERENCES "public"."pairs"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "episodes" ADD CONSTRAINT "episodes_benchmark_version_id_benchmark_versions_id_fk" FOREIGN KEY ("benchmark_version_id") REFERENCES "public"."benchmark_versions"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "episodes" ADD CONSTRAINT "episodes_concept_id_concepts_id_fk" FOREIGN KEY ("concept_id") REFERENCES "public"."concepts"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "images" ADD CONSTRAINT "images_benchmark_version_id_benchmark_versions_id_fk" FOREIGN KEY ("benchmark_version_id") REFERENCES "public"."benchmark_versions"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "images" ADD CONSTRAINT "images_concept_id_concepts_id_fk" FOREIGN KEY ("concept_id") REFERENCES "public"."concepts"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "jobs" ADD CONSTRAINT "jobs_submission_id_submissions_id_fk" FOREIGN KEY ("submission_id") REFERENCES "public"."submissions"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "models" ADD CONSTRAINT "models_owner_id_users_id_fk" FOREIGN KEY ("owner_id") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "pairs" ADD CONSTRAINT "pairs_benchmark_version_id_benchmark_versions_id_fk" FOREIGN KEY ("benchmark_version_id") REFERENCES "public"."benchmark_versions"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "results" ADD CONSTRAINT "results_submission_id_submissions_id_fk" FOREIGN KEY ("submission_id") REFERENCES "public"."submissions"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "submission_concept_scores" ADD CONSTRAINT "submission_concept_scores_submission_id_submissions_id_fk" FOREIGN KEY ("submission_id") REFERENCES "public"."submissions"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "submission_scores" ADD CONSTRAINT "submission_scores_submission_id_submissions_id_fk" FOREIGN KEY ("submission_id") REFERENCES "public"."submissions"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "submissions" ADD CONSTRAINT "submissions_model_id_models_id_fk" FOREIGN KEY ("model_id") REFERENCES "public"."models"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "submissions" ADD CONSTRAINT "submissions_benchmark_version_id_benchmark_versions_id_fk" FOREIGN KEY ("benchmark_version_id") REFERENCES "public"."benchmark_versions"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "submissions" ADD CONSTRAINT "submissions_owner_id_users_id_fk" FOREIGN KEY ("owner_id") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "benchmark_versions_name_version" ON "benchmark_versions" USING btree ("benchmark_id","version");--> statement-breakpoint
CREATE UNIQUE INDEX "concepts_version_key" ON "concepts" USING btree ("benchmark_version_id","key");--> statement-breakpoint
CREATE INDEX "episodes_concept" ON "episodes" USING btree ("concept_id");--> statement-breakpoint
CREATE INDEX "images_concept" ON "images" USING btree ("concept_id");--> statement-breakpoint
CREATE INDEX "jobs_claimable" ON "jobs" USING btree ("priority","id") WHERE "jobs"."status" IN ('queued', 'running');--> statement-breakpoint
CREATE INDEX "jobs_submission" ON "jobs" USING btree ("submission_id");--> statement-breakpoint
CREATE UNIQUE INDEX "pairs_version_key" ON "pairs" USING btree ("benchmark_version_id","key");--> statement-breakpoint
CREATE INDEX "submissions_version" ON "submissions" USING btree ("benchmark_version_id","status");