ALTER TABLE "benchmark_versions" ADD COLUMN "ranked_draw" boolean DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE "submissions" ADD COLUMN "ranked_key_id" text;--> statement-breakpoint
ALTER TABLE "submissions" ADD COLUMN "draw_commitment" text;--> statement-breakpoint
ALTER TABLE "submissions" ADD COLUMN "draw_seed" text;