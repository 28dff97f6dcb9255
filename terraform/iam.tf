# ---------------------------------------------------------------------------------------------------------------------
# Service accounts
# ---------------------------------------------------------------------------------------------------------------------

# Identity of the three functions at run time: Firestore and the page-token secret, nothing else.
resource "google_service_account" "runtime" {
  project      = var.project_id
  account_id   = "conversation-history-run"
  display_name = "Conversation history functions (runtime)"

  depends_on = [google_project_service.apis]
}

# Identity in the OIDC tokens Pub/Sub attaches to push deliveries; it may only invoke the ingest functions.
resource "google_service_account" "push" {
  project      = var.project_id
  account_id   = "conversation-history-push"
  display_name = "Conversation history Pub/Sub push"

  depends_on = [google_project_service.apis]
}

# Identity of the Cloud Build builds that turn the source zips into function images. Dedicated, because new
# projects' default build account may lack these roles (or be disabled by organization policy).
resource "google_service_account" "build" {
  project      = var.project_id
  account_id   = "conversation-history-build"
  display_name = "Conversation history function builds"

  depends_on = [google_project_service.apis]
}

# ---------------------------------------------------------------------------------------------------------------------
# Runtime
# ---------------------------------------------------------------------------------------------------------------------

resource "google_project_iam_member" "runtime_datastore_user" {
  project = var.project_id
  role    = "roles/datastore.user"
  member  = google_service_account.runtime.member
}

resource "google_secret_manager_secret_iam_member" "runtime_reads_page_token_secret" {
  project   = var.project_id
  secret_id = google_secret_manager_secret.page_token.secret_id
  role      = "roles/secretmanager.secretAccessor"
  member    = google_service_account.runtime.member
}

# ---------------------------------------------------------------------------------------------------------------------
# Builds (the roles Google documents for a custom Cloud Functions build service account)
# ---------------------------------------------------------------------------------------------------------------------

resource "google_project_iam_member" "build" {
  for_each = toset([
    "roles/logging.logWriter",
    "roles/artifactregistry.writer",
    "roles/storage.objectViewer",
  ])

  project = var.project_id
  role    = each.value
  member  = google_service_account.build.member
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
  member   = google_service_account.push.member
}

# The history API is called by the principals listed in history_invokers (never allUsers: the validation refuses it).
resource "google_cloud_run_v2_service_iam_member" "history_invokers" {
  for_each = toset(var.history_invokers)

  project  = var.project_id
  location = var.region
  name     = google_cloudfunctions2_function.this[local.history_function].service_config[0].service
  role     = "roles/run.invoker"
  member   = each.value
}

# ---------------------------------------------------------------------------------------------------------------------
# Pub/Sub's service agent: mints the push tokens and moves refused messages to the dead-letter topic
# ---------------------------------------------------------------------------------------------------------------------

resource "google_service_account_iam_member" "pubsub_mints_push_tokens" {
  service_account_id = google_service_account.push.name
  role               = "roles/iam.serviceAccountTokenCreator"
  member             = local.pubsub_service_agent

  depends_on = [google_project_service.apis]
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
# Dialogflow's service agent publishes the ConversationEvents
# ---------------------------------------------------------------------------------------------------------------------

resource "google_pubsub_topic_iam_member" "dialogflow_publishes_events" {
  for_each = local.event_topics

  project = var.project_id
  topic   = google_pubsub_topic.events[each.key].name
  role    = "roles/pubsub.publisher"
  member  = local.dialogflow_service_agent

  # Dialogflow's service agent is created by Google once the API is in use; granting after the profile
  # exists gives it the best chance to be there (see README.md when it is not).
  depends_on = [google_project_service.apis, google_dialogflow_conversation_profile.this]
}
