# Every call is billed to, and counts against the quota of, the project deployed into: with user credentials
# (`gcloud auth application-default login`) the provider would otherwise send them on gcloud's own project,
# where Dialogflow, Firestore and the rest are not enabled. The caller needs serviceusage.services.use on it
# (roles/serviceusage.serviceUsageConsumer, held by Owners and the deployer account).
provider "google" {
  project               = var.project_id
  region                = var.region
  default_labels        = var.labels
  user_project_override = true
  billing_project       = var.project_id
}

# Only for what exists in google-beta alone: the service agents (google_project_service_identity).
provider "google-beta" {
  project               = var.project_id
  region                = var.region
  default_labels        = var.labels
  user_project_override = true
  billing_project       = var.project_id
}

data "google_project" "this" {
  project_id = var.project_id
}

locals {
  runtime = "nodejs22"

  # Prepended to every name this deployment chooses, so that dev, staging and prod live side by side in one
  # project: "" keeps the bare names, "dev" gives "dev-ingest-message-events", "dev-history-ingest@…" and so on.
  prefix = var.name_prefix == "" ? "" : "${var.name_prefix}-"

  # ---------------------------------------------------------------------------------------------------------------------
  # Environment of the functions: every variable of DEPLOYED_ENVIRONMENT_VARIABLES (shared/platform/config.ts).
  # test/infra/terraform.test.ts checks each function gets every variable it reads.
  # ---------------------------------------------------------------------------------------------------------------------

  # Read by every function.
  shared_environment_variables = {
    GOOGLE_CLOUD_PROJECT  = var.project_id
    FIRESTORE_DATABASE_ID = var.firestore_database_id
    FIRESTORE_DEADLINE_MS = tostring(var.firestore_deadline_ms)
    MAX_PUSH_BODY_BYTES   = tostring(var.max_push_body_bytes)
    RETENTION_DAYS        = tostring(var.retention_days)
    LOG_LEVEL             = var.log_level
    # Where names without /locations/ are taken to be: the profile's location.
    DIALOGFLOW_LOCATION = var.dialogflow_location
    # The bundles are minified: map stack traces in error logs back to the TypeScript sources.
    NODE_OPTIONS = "--enable-source-maps"
    # The framework's own error pages (a path it cannot decode, a body that is not JSON) then carry no stack trace.
    NODE_ENV = "production"
  }

  # Read by the history API and the erasure function.
  served_projects_environment_variables = {
    SERVED_PROJECTS = join(",", length(var.served_projects) > 0 ? var.served_projects : [var.project_id])
  }

  # Read by the history API only.
  history_only_environment_variables = {
    # The second lock behind Cloud Run's IAM: the callers' ID tokens must carry one of these emails (none: any
    # identity Cloud Run let through, for readers that are groups or domains).
    AUTH_ALLOWED_EMAILS = join(",", local.history_allowed_emails)
    # What the callers' tokens must be for: never the request's Host (a token minted for another service could
    # then be replayed here through a load balancer).
    AUTH_AUDIENCES       = join(",", local.history_audiences)
    CORS_ALLOWED_ORIGINS = join(",", var.history_cors_allowed_origins)
    # DELETE is passed on to the erasure function, which alone can write (iam.tf).
    ERASURE_URL = local.function_urls["erase-conversations"]
  }

  # Read by the erasure function only: who may erase, and the audiences of their tokens, which reach it directly
  # (npm run erase --url <erasure URL>) or passed on by the history API (the viewer, npm run erase --url <history>).
  erasure_only_environment_variables = {
    ERASURE_ALLOWED_EMAILS = join(",", local.history_eraser_emails)
    AUTH_AUDIENCES         = join(",", distinct(concat([local.function_urls["erase-conversations"]], local.history_audiences)))
  }

  # Read by the ingest functions only: Pub/Sub's push OIDC token must be the push service account's, minted for
  # the function's own URL (its AUTH_AUDIENCES, set per function in local.functions).
  ingest_only_environment_variables = {
    AUTH_ALLOWED_EMAILS = google_service_account.this["push"].email
    # Conversations an instance remembers having checked, least recently used forgotten first (~190 bytes each).
    KNOWN_CONVERSATIONS_CAPACITY = tostring(var.known_conversations_capacity)
  }

  # Read by reconcileConversations only: what each run refreshes, and the token Cloud Scheduler sends.
  reconcile_only_environment_variables = {
    AUTH_ALLOWED_EMAILS      = google_service_account.this["scheduler"].email
    AUTH_AUDIENCES           = local.function_urls["reconcile-conversations"]
    RECONCILE_PARENTS        = "projects/${var.project_id}/locations/${var.dialogflow_location}"
    RECONCILE_CONCURRENCY    = tostring(var.reconcile.concurrency)
    RECONCILE_BUDGET_SECONDS = tostring(var.reconcile.budget_seconds)
    DIALOGFLOW_QPS           = tostring(var.reconcile.qps)
  }

  ingest_environment_variables    = merge(local.shared_environment_variables, local.ingest_only_environment_variables)
  history_environment_variables   = merge(local.shared_environment_variables, local.served_projects_environment_variables, local.history_only_environment_variables)
  erasure_environment_variables   = merge(local.shared_environment_variables, local.served_projects_environment_variables, local.erasure_only_environment_variables)
  reconcile_environment_variables = merge(local.shared_environment_variables, local.reconcile_only_environment_variables)

  # Each function's URL, known before it exists (Cloud Run's deterministic https://<service>-<project number>.
  # <region>.run.app): the audience its callers' tokens are minted for and that it checks, which a function
  # could not read from its own service_config without a cycle.
  function_urls = { for dir, name in local.function_names : dir => "https://${name}-${data.google_project.this.number}.${var.region}.run.app" }

  # The audiences of the history API's callers: its URL, gcloud's client ID (the tokens gcloud run services proxy
  # sends for a person), and any the deployment adds (a custom domain, a load balancer's URL).
  history_audiences = distinct(concat(
    [local.function_urls[local.history_function]],
    var.history_accept_gcloud_identity_tokens ? [local.gcloud_client_id] : [],
    var.history_audiences,
  ))
  gcloud_client_id = "32555940559.apps.googleusercontent.com"

  # Emails of the user and service-account invokers; a group's members cannot be told from a token, so with
  # groups only (and no history_allowed_emails) no email is checked in code, while every token's signature,
  # audience and lifetime still are, behind Cloud Run's IAM check.
  history_eraser_emails = [for member in var.history_erasers : split(":", member)[1]]
  history_allowed_emails = distinct(concat(var.history_allowed_emails != null ? var.history_allowed_emails : [
    for member in var.history_invokers : split(":", member)[1] if startswith(member, "user:") || startswith(member, "serviceAccount:")
  ], local.history_eraser_emails))

  # Secrets, read from Secret Manager when an instance starts (pinned to a version, so a new key redeploys).
  history_secret_environment_variables = {
    PAGE_TOKEN_SECRET = {
      secret  = google_secret_manager_secret.page_token.secret_id
      version = google_secret_manager_secret_version.page_token.version
    }
  }

  # ---------------------------------------------------------------------------------------------------------------------
  # The functions: key = directory under functions/ (and under dist/ after `npm run build`) = function name
  # after the prefix. entry_point = the name functions/<dir>/index.ts registers with http('<name>', ...).
  # runtime_account = the key in local.service_accounts (iam.tf) of the account it runs as.
  # ---------------------------------------------------------------------------------------------------------------------
  functions = {
    "ingest-lifecycle-events" = {
      # Pub/Sub push endpoint for the conversation profile's lifecycle events.
      entry_point                  = "ingestLifecycleEvents"
      limits                       = var.ingest_function_limits
      runtime_account              = "ingest"
      ingress_settings             = var.ingest_ingress_settings
      environment_variables        = merge(local.ingest_environment_variables, { AUTH_AUDIENCES = local.function_urls["ingest-lifecycle-events"] })
      secret_environment_variables = {}
    }
    "ingest-message-events" = {
      # Pub/Sub push endpoint for the conversation profile's NEW_MESSAGE events.
      entry_point                  = "ingestMessageEvents"
      limits                       = var.ingest_function_limits
      runtime_account              = "ingest"
      ingress_settings             = var.ingest_ingress_settings
      environment_variables        = merge(local.ingest_environment_variables, { AUTH_AUDIENCES = local.function_urls["ingest-message-events"] })
      secret_environment_variables = {}
    }
    "ingest-recognition-results" = {
      # Pub/Sub push endpoint for the conversation profile's NEW_RECOGNITION_RESULT events: the same code as the
      # message function, on a topic, subscription and scaling of its own, so that streaming results (a few per
      # second per voice call) cannot take the message function's instances.
      entry_point                  = "ingestRecognitionResults"
      limits                       = var.recognition_result_function_limits
      runtime_account              = "ingest"
      ingress_settings             = var.ingest_ingress_settings
      environment_variables        = merge(local.ingest_environment_variables, { AUTH_AUDIENCES = local.function_urls["ingest-recognition-results"] })
      secret_environment_variables = {}
    }
    "conversation-history" = {
      # Dialogflow's Conversations REST API (list, get, messages.list) over the stored history.
      entry_point                  = "conversationHistory"
      limits                       = var.history_function_limits
      runtime_account              = "history"
      ingress_settings             = var.history_ingress_settings
      environment_variables        = local.history_environment_variables
      secret_environment_variables = local.history_secret_environment_variables
    }
    "erase-conversations" = {
      # DELETE of a conversation, for a verified eraser only: the one function that writes on a reader's behalf.
      entry_point     = "eraseConversations"
      limits          = local.erasure_function_limits
      runtime_account = "erase"
      # Erasers call it from outside, and the history API passes DELETEs on to it from Cloud Run (which is not
      # internal traffic without a VPC connector): IAM (iam.tf) and the token check decide.
      ingress_settings             = "ALLOW_ALL"
      environment_variables        = local.erasure_environment_variables
      secret_environment_variables = {}
    }
    "reconcile-conversations" = {
      # Asks Dialogflow's API about the conversations that need it; Cloud Scheduler's job calls it (scheduler.tf).
      entry_point     = "reconcileConversations"
      limits          = local.reconcile_function_limits
      runtime_account = "reconcile"
      # Cloud Scheduler's requests from the same project count as internal.
      ingress_settings             = "ALLOW_INTERNAL_ONLY"
      environment_variables        = local.reconcile_environment_variables
      secret_environment_variables = {}
    }
  }

  # One instance, one request at a time: runs never overlap (a run that outlasts the schedule's minute makes the
  # next request wait or be refused, and Scheduler's one retry or next tick picks up), and the QPS is per instance.
  reconcile_function_limits = {
    timeout_seconds                  = var.reconcile.timeout_seconds
    min_instance_count               = 0
    max_instance_count               = 1
    max_instance_request_concurrency = 1
    available_memory                 = "512Mi"
    available_cpu                    = "1"
  }

  # Erasures are rare and each is a handful of batched deletes: a few instances are plenty, and bound what a
  # stolen eraser token could do at once.
  erasure_function_limits = {
    timeout_seconds                  = var.history_function_limits.timeout_seconds
    min_instance_count               = 0
    max_instance_count               = 3
    max_instance_request_concurrency = 10
    available_memory                 = "512Mi"
    available_cpu                    = "1"
  }

  history_function = "conversation-history"

  # Each topic the conversation profile publishes to, and the ingest function its push subscription feeds.
  event_topics = {
    lifecycle = {
      name     = "${local.prefix}${var.lifecycle_topic_name}"
      consumer = "ingest-lifecycle-events"
    }
    messages = {
      name     = "${local.prefix}${var.message_topic_name}"
      consumer = "ingest-message-events"
    }
    recognition_results = {
      name     = "${local.prefix}${var.recognition_result_topic_name}"
      consumer = "ingest-recognition-results"
    }
  }

  # Deployed name of each function (the directories under functions/ and dist/, the keys of local.functions,
  # after the prefix). Listed apart from local.functions, whose environments read the URLs made of these names.
  function_dirs  = ["conversation-history", "erase-conversations", "ingest-lifecycle-events", "ingest-message-events", "ingest-recognition-results", "reconcile-conversations"]
  function_names = { for dir in local.function_dirs : dir => "${local.prefix}${dir}" }

  source_bucket_name = coalesce(var.source_bucket_name, "${var.project_id}-${local.prefix}history-sources")
  firestore_location = coalesce(var.firestore_location, var.region)
}
