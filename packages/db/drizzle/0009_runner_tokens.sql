CREATE TABLE "runner_tokens" (
	"id" serial PRIMARY KEY NOT NULL,
	"name" text NOT NULL,
	"token_hash" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"last_used_at" timestamp with time zone,
	"revoked_at" timestamp with time zone,
	CONSTRAINT "runner_tokens_name_unique" UNIQUE("name"),
	CONSTRAINT "runner_tokens_token_hash_unique" UNIQUE("token_hash")
);
