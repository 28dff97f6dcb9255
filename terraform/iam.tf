# ---------------------------------------------------------------------------------------------------------------------
# Service accounts: one per role, each holding only what that role does
# ---------------------------------------------------------------------------------------------------------------------

locals {
  # Account ID (without the prefix) and description of each identity this deployment creates.
  service_accounts = {
    # The three ingest functions at run time: read and write the Firestore database, nothing else.
    ingest = { id = "history-ingest", display_name = "Conversation history ingest functions (runtime)" }
    # The history API at run time: read the Firestore database (nothing that writes), read the page-token key,
    # invoke the erasure function with the DELETEs it passes on.
    history = { id = "history-api", display_name = "Conversation history API (runtime)" }
    # The erasure function at run time: delete conversations and write their tombstones in the database.
    erase = { id = "history-erase", display_name = "Conversation history erasure (runtime)" }
    # Identity in the OIDC tokens Pub/Sub attaches to push deliveries; it may only invoke the ingest functions.
    push = { id = "history-push", display_name = "Conversation history Pub/Sub push" }
    # reconcileConversations at run time: read Dialogflow's conversations, read and write the Firestore database.
    reconcile = { id = "history-reconcile", display_name = "Conversation history reconcile (runtime)" }
    # Identity in the OIDC tokens Cloud Scheduler sends; it may only invoke reconcileConversations and the erasure sweep.
    scheduler = { id = "history-scheduler", display_name = "Conversation history reconcile schedule" }
    # The Cloud Build builds that turn the source zips into function images. Dedicated, because new projects'
    # default build account may lack these roles (or be disabled by organization policy).
    build = { id = "history-build", display_name = "Conversation history function builds" }
  }

  # Which runtime account each kind of function runs as.
  ingest_runtime_account  = google_service_account.this["ingest"]
  history_runtime_account = google_service_account.this["history"]

  # IAM conditions limit the Firestore roles to this deployment's database, so that environments sharing a
  # project (name_prefix) cannot read each other's history.
  firestore_database_resource = "projects/${var.project_id}/databases/${var.firestore_database_id}"

  # The buckets a function build reads its source from: ours, and the one Cloud Functions copies it into
  # (created on the first deploy, so it is granted by name through a condition rather than on the bucket).
  build_source_buckets = [local.source_bucket_name, "gcf-v2-sources-${data.google_project.this.number}-${var.region}"]
}

resource "google_service_account" "this" {
  for_each = local.service_accounts

  project      = var.project_id
  account_id   = "${local.prefix}${each.value.id}"
  display_name = var.name_prefix == "" ? each.value.display_name : "${each.value.display_name} [${var.name_prefix}]"

  depends_on = [time_sleep.apis_enabled]
}

# ---------------------------------------------------------------------------------------------------------------------
# Google's service agents: created here, since a fresh project has them only once something asks for them
# ---------------------------------------------------------------------------------------------------------------------

# Mints the push tokens and moves refused deliveries to the dead-letter topic.
resource "google_project_service_identity" "pubsub" {
  provider = google-beta

  project = var.project_id
  service = "pubsub.googleapis.com"

  depends_on = [time_sleep.apis_enabled]
}

# Publishes the conversation profile's ConversationEvents.
resource "google_project_service_identity" "dialogflow" {
  provider = google-beta

  project = var.project_id
  service = "dialogflow.googleapis.com"

  depends_on = [time_sleep.apis_enabled]
}

# The agents exist once their google_project_service_identity returns, but not yet everywhere IAM looks: a grant
# made at once can be refused as naming a member that does not exist (hashicorp/terraform-provider-google issue
# 21931), and the provider retries a grant only when the policy's etag changed. Every grant to an agent reads
# its member from here, so it waits.
resource "time_sleep" "service_agents_exist" {
  create_duration = "${var.service_agent_propagation_wait_seconds}s"

  triggers = {
    pubsub     = google_project_service_identity.pubsub.member
    dialogflow = google_project_service_identity.dialogflow.member
  }
}

locals {
  pubsub_service_agent     = time_sleep.service_agents_exist.triggers["pubsub"]
  dialogflow_service_agent = time_sleep.service_agents_exist.triggers["dialogflow"]
}

# ---------------------------------------------------------------------------------------------------------------------
# Runtime
# ---------------------------------------------------------------------------------------------------------------------

resource "google_project_iam_member" "ingest_writes_firestore" {
  project = var.project_id
  role    = "roles/datastore.user"
  member  = local.ingest_runtime_account.member

  condition {
    title       = "${local.prefix}conversation history database"
    description = "Only the Firestore database this deployment writes."
    expression  = format("resource.name == %q", local.firestore_database_resource)
  }
}

# Reading only: the most exposed function (ingress ALLOW_ALL, people, the viewer) cannot write, even if taken
# over; it passes DELETEs on to the erasure function.
resource "google_project_iam_member" "history_reads_firestore" {
  project = var.project_id
  role    = "roles/datastore.viewer"
  member  = local.history_runtime_account.member

  condition {
    title       = "${local.prefix}conversation history database"
    description = "Only the Firestore database this deployment serves."
    expression  = format("resource.name == %q", local.firestore_database_resource)
  }
}

# Erasing deletes the conversation's documents and writes its tombstone: datastore.viewer cannot, so the erasure
# function alone holds datastore.user, on this deployment's database only.
resource "google_project_iam_member" "erasure_writes_firestore" {
  project = var.project_id
  role    = "roles/datastore.user"
  member  = google_service_account.this["erase"].member

  condition {
    title       = "${local.prefix}conversation history database"
    description = "Only the Firestore database this deployment erases in."
    expression  = format("resource.name == %q", local.firestore_database_resource)
  }
}

resource "google_project_iam_member" "reconcile_writes_firestore" {
  project = var.project_id
  role    = "roles/datastore.user"
  member  = google_service_account.this["reconcile"].member

  condition {
    title       = "${local.prefix}conversation history database"
    description = "Only the Firestore database this deployment writes."
    expression  = format("resource.name == %q", local.firestore_database_resource)
  }
}

# Dialogflow API Reader: conversations.get and participants.list (and the lists a backfill run as this account
# makes), nothing that writes.
resource "google_project_iam_member" "reconcile_reads_dialogflow" {
  project = var.project_id
  role    = "roles/dialogflow.reader"
  member  = google_service_account.this["reconcile"].member
}

resource "google_secret_manager_secret_iam_member" "history_reads_page_token_secret" {
  project   = var.project_id
  secret_id = google_secret_manager_secret.page_token.secret_id
  role      = "roles/secretmanager.secretAccessor"
  member    = local.history_runtime_account.member
}

# ---------------------------------------------------------------------------------------------------------------------
# Builds: the roles Google documents for a custom Cloud Functions build account (Logs Writer, Artifact Registry
# Writer, Storage Object Admin), each on the narrowest resource it applies to
# ---------------------------------------------------------------------------------------------------------------------

# Build logs: Cloud Logging grants writing per project only.
resource "google_project_iam_member" "build_writes_logs" {
  project = var.project_id
  role    = "roles/logging.logWriter"
  member  = google_service_account.this["build"].member
}

# The built images go to this deployment's own repository, and nowhere else.
resource "google_artifact_registry_repository_iam_member" "build_pushes_images" {
  project    = var.project_id
  location   = google_artifact_registry_repository.functions.location
  repository = google_artifact_registry_repository.functions.name
  role       = "roles/artifactregistry.writer"
  member     = google_service_account.this["build"].member
}

# The function sources: the two buckets of local.build_source_buckets, never the project's other buckets
# (builds run third-party `npm install` scripts; the Terraform state, with the page-token key, is a bucket too).
resource "google_project_iam_member" "build_reads_sources" {
  project = var.project_id
  role    = "roles/storage.objectAdmin"
  member  = google_service_account.this["build"].member

  condition {
    title       = "${local.prefix}conversation history function sources"
    description = "Only the buckets the function builds read their source from."
    expression = join(" || ", flatten([
      for bucket in local.build_source_buckets : [
        format("resource.name == %q", "projects/_/buckets/${bucket}"),
        format("resource.name.startsWith(%q)", "projects/_/buckets/${bucket}/objects/"),
      ]
    ]))
  }
}

# ---------------------------------------------------------------------------------------------------------------------
# Who may call the functions
# ---------------------------------------------------------------------------------------------------------------------

# Only the push service account invokes the ingest functions.
resource "google_cloud_run_v2_service_iam_member" "push_invokes_ingest" {
  for_each = local.event_topics

  project  = var.project_id
  location = var.region
  name     = google_cloudfunctions2_function.this[each.value.consumer].service_config[0].service
  role     = "roles/run.invoker"
  member   = google_service_account.this["push"].member
}

# Only the scheduler account invokes reconcileConversations.
resource "google_cloud_run_v2_service_iam_member" "scheduler_invokes_reconcile" {
  project  = var.project_id
  location = var.region
  name     = google_cloudfunctions2_function.this["reconcile-conversations"].service_config[0].service
  role     = "roles/run.invoker"
  member   = google_service_account.this["scheduler"].member
}

# The scheduler account invokes the erasure function's sweep (POST /sweep); erasing takes an email of
# ERASURE_ALLOWED_EMAILS, which it is not.
resource "google_cloud_run_v2_service_iam_member" "scheduler_invokes_erasure_sweep" {
  project  = var.project_id
  location = var.region
  name     = google_cloudfunctions2_function.this["erase-conversations"].service_config[0].service
  role     = "roles/run.invoker"
  member   = google_service_account.this["scheduler"].member
}

# The history API is called by the principals listed in history_invokers and history_erasers (never allUsers: the
# validations refuse it).
resource "google_cloud_run_v2_service_iam_member" "history_invokers" {
  for_each = toset(concat(var.history_invokers, var.history_erasers))

  project  = var.project_id
  location = var.region
  name     = google_cloudfunctions2_function.this[local.history_function].service_config[0].service
  role     = "roles/run.invoker"
  member   = each.value
}

# The erasure function is called by the erasers, and by the history API passing on their DELETEs (its own token
# in X-Serverless-Authorization for Cloud Run, the eraser's in Authorization for the function's own check).
resource "google_cloud_run_v2_service_iam_member" "erasure_invokers" {
  # Keyed by what the plan knows: the history account's member is known only once the account exists.
  for_each = merge({ for member in var.history_erasers : member => member }, { "history API" = local.history_runtime_account.member })

  project  = var.project_id
  location = var.region
  name     = google_cloudfunctions2_function.this["erase-conversations"].service_config[0].service
  role     = "roles/run.invoker"
  member   = each.value
}

# ---------------------------------------------------------------------------------------------------------------------
# Pub/Sub's service agent: mints the push tokens and moves refused messages to the dead-letter topic
# ---------------------------------------------------------------------------------------------------------------------

resource "google_service_account_iam_member" "pubsub_mints_push_tokens" {
  service_account_id = google_service_account.this["push"].name
  role               = "roles/iam.serviceAccountTokenCreator"
  member             = local.pubsub_service_agent
}

resource "google_pubsub_topic_iam_member" "pubsub_publishes_dead_letters" {
  project = var.project_id
  topic   = google_pubsub_topic.dead_letter.name
  role    = "roles/pubsub.publisher"
  member  = local.pubsub_service_agent
}

resource "google_pubsub_subscription_iam_member" "pubsub_acks_dead_lettered" {
  for_each = local.event_topics

  project      = var.project_id
  subscription = google_pubsub_subscription.push[each.key].name
  role         = "roles/pubsub.subscriber"
  member       = local.pubsub_service_agent
}

# ---------------------------------------------------------------------------------------------------------------------
# Who publishes the ConversationEvents
# ---------------------------------------------------------------------------------------------------------------------

# Dialogflow's service agent, for telephony and the API's own notifications.
resource "google_pubsub_topic_iam_member" "dialogflow_publishes_events" {
  for_each = local.event_topics

  project = var.project_id
  topic   = google_pubsub_topic.events[each.key].name
  role    = "roles/pubsub.publisher"
  member  = local.dialogflow_service_agent
}

# Dialogflow's proto: "For chat integration to receive notification, make sure API caller has been granted the
# `Dialogflow Service Agent` role for the topic": of that role, publishing is what the topic needs.
resource "google_pubsub_topic_iam_member" "callers_publish_events" {
  for_each = {
    for pair in setproduct(keys(local.event_topics), var.event_publishers) : "${pair[0]} ${pair[1]}" => { topic = pair[0], member = pair[1] }
  }

  project = var.project_id
  topic   = google_pubsub_topic.events[each.value.topic].name
  role    = "roles/pubsub.publisher"
  member  = each.value.member
}

# ---------------------------------------------------------------------------------------------------------------------
# Waits for the grants to take effect (about 2 minutes, sometimes 7 or more, Google documents)
# ---------------------------------------------------------------------------------------------------------------------

# Before the functions: their builds run as the build account, and their instances start as the runtime accounts.
resource "time_sleep" "function_grants_propagate" {
  create_duration = "${var.iam_propagation_wait_seconds}s"

  # Waits again whenever an account a function build or instance uses is replaced.
  triggers = {
    build     = google_service_account.this["build"].unique_id
    ingest    = local.ingest_runtime_account.unique_id
    history   = local.history_runtime_account.unique_id
    erase     = google_service_account.this["erase"].unique_id
    reconcile = google_service_account.this["reconcile"].unique_id
  }

  depends_on = [
    google_project_iam_member.build_writes_logs,
    google_artifact_registry_repository_iam_member.build_pushes_images,
    google_project_iam_member.build_reads_sources,
    google_project_iam_member.ingest_writes_firestore,
    google_project_iam_member.history_reads_firestore,
    google_project_iam_member.erasure_writes_firestore,
    google_secret_manager_secret_iam_member.history_reads_page_token_secret,
    google_project_iam_member.reconcile_writes_firestore,
    google_project_iam_member.reconcile_reads_dialogflow,
  ]
}

# Before the push subscriptions, the profile and the reconcile schedule: deliveries start as soon as a
# subscription exists, events as soon as the profile does, and runs as soon as the job does.
resource "time_sleep" "event_grants_propagate" {
  create_duration = "${var.iam_propagation_wait_seconds}s"

  triggers = {
    push       = google_service_account.this["push"].unique_id
    scheduler  = google_service_account.this["scheduler"].unique_id
    pubsub     = google_project_service_identity.pubsub.member
    dialogflow = google_project_service_identity.dialogflow.member
  }

  depends_on = [
    google_cloud_run_v2_service_iam_member.push_invokes_ingest,
    google_service_account_iam_member.pubsub_mints_push_tokens,
    google_pubsub_topic_iam_member.pubsub_publishes_dead_letters,
    google_pubsub_topic_iam_member.dialogflow_publishes_events,
    google_pubsub_topic_iam_member.callers_publish_events,
    google_cloud_run_v2_service_iam_member.scheduler_invokes_reconcile,
    google_cloud_run_v2_service_iam_member.scheduler_invokes_erasure_sweep,
  ]
}
