CREATE TABLE "api_keys" (
	"id" text PRIMARY KEY NOT NULL,
	"config_id" text DEFAULT 'default' NOT NULL,
	"name" text,
	"start" text,
	"reference_id" text NOT NULL,
	"prefix" text,
	"key" text NOT NULL,
	"refill_interval" integer,
	"refill_amount" integer,
	"last_refill_at" timestamp with time zone,
	"enabled" boolean DEFAULT true NOT NULL,
	"rate_limit_enabled" boolean DEFAULT false NOT NULL,
	"rate_limit_time_window" integer,
	"rate_limit_max" integer,
	"request_count" integer DEFAULT 0 NOT NULL,
	"remaining" integer,
	"last_request" timestamp with time zone,
	"expires_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	"permissions" text,
	"metadata" text
);
--> statement-breakpoint
ALTER TABLE "sessions" ADD COLUMN "impersonated_by" text;--> statement-breakpoint
ALTER TABLE "users" ADD COLUMN "banned" boolean DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE "users" ADD COLUMN "ban_reason" text;--> statement-breakpoint
ALTER TABLE "users" ADD COLUMN "ban_expires" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "api_keys" ADD CONSTRAINT "api_keys_reference_id_users_id_fk" FOREIGN KEY ("reference_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "api_keys_key" ON "api_keys" USING btree ("key");--> statement-breakpoint
CREATE INDEX "api_keys_reference_id" ON "api_keys" USING btree ("reference_id");--> statement-breakpoint
-- The tokens made before better-auth's API-key plugin keep working: the plugin looks a key up by
-- its SHA-256 as unpadded base64url, and api_tokens kept the same digest as hex. They get both
-- scopes (what a token could do before) and no expiry; a revoked one stays, disabled.
INSERT INTO "api_keys" ("id", "name", "start", "prefix", "reference_id", "key", "enabled", "rate_limit_enabled", "request_count", "last_request", "permissions", "created_at", "updated_at")
SELECT 'token-' || "id", "name", NULL, 'lb_', "user_id",
	rtrim(translate(encode(decode("token_hash", 'hex'), 'base64'), '+/', '-_'), '='),
	"revoked_at" IS NULL, false, 0, "last_used_at", '{"linkboard":["read","submit"]}', "created_at", coalesce("revoked_at", "last_used_at", "created_at")
FROM "api_tokens";
--> statement-breakpoint
DROP TABLE "api_tokens" CASCADE;
