output "function_urls" {
  description = "URL of each function, keyed by its name (the directory under functions/): the audience its callers' ID tokens must be minted for."
  value       = { for name, function in google_cloudfunctions2_function.this : name => local.function_urls[name] }
}

output "history_url" {
  description = "URL of the history API: the apiEndpoint for Google's Dialogflow clients, and the audience of their ID tokens (see README.md)."
  value       = local.function_urls[local.history_function]
  # Known at plan; given once the function serves it.
  depends_on = [google_cloudfunctions2_function.this]
}

output "erasure_url" {
  description = "URL of the erasure function, for npm run erase --url by an eraser (the history API passes DELETEs on to it as well)."
  value       = local.function_urls["erase-conversations"]
  depends_on  = [google_cloudfunctions2_function.this]
}

output "history_service_name" {
  description = "Name of the history API's Cloud Run service, for gcloud run services proxy (README: the transcript viewer)."
  value       = google_cloudfunctions2_function.this[local.history_function].name
}

output "lifecycle_topic" {
  description = "Full name of the topic for the conversation profile's notification_config (lifecycle events)."
  value       = google_pubsub_topic.events["lifecycle"].id
}

output "message_topic" {
  description = "Full name of the topic for the conversation profile's new_message_event_notification_config."
  value       = google_pubsub_topic.events["messages"].id
}

output "push_subscriptions" {
  description = "Name of the push subscription feeding each ingest function, keyed by function name."
  value       = { for key, topic in local.event_topics : topic.consumer => google_pubsub_subscription.push[key].name }
}

output "dead_letter_topic" {
  description = "Full name of the topic that receives the deliveries the ingest functions kept refusing."
  value       = google_pubsub_topic.dead_letter.id
}

output "dead_letter_subscription" {
  description = "Name of the pull subscription that keeps dead-lettered deliveries for inspection and replay."
  value       = google_pubsub_subscription.dead_letter.name
}

output "conversation_profile_name" {
  description = "Resource name of the created conversation profile, or null when create_conversation_profile is false."
  value       = one(google_dialogflow_conversation_profile.this[*].name)
}

output "runtime_service_account_emails" {
  description = "Email of the service account each kind of function runs as: ingest (the three ingest functions), history (the history API), erase (the erasure function) and reconcile."
  value       = { ingest = local.ingest_runtime_account.email, history = local.history_runtime_account.email, erase = google_service_account.this["erase"].email, reconcile = google_service_account.this["reconcile"].email }
}

output "push_service_account_email" {
  description = "Email of the service account whose OIDC tokens authenticate Pub/Sub push deliveries."
  value       = google_service_account.this["push"].email
}

output "build_service_account_email" {
  description = "Email of the service account that builds the functions."
  value       = google_service_account.this["build"].email
}

output "source_bucket" {
  description = "Name of the bucket that holds the functions' source zips."
  value       = google_storage_bucket.sources.name
}

output "page_token_secret" {
  description = "Full name of the Secret Manager secret that signs the history API's page tokens."
  value       = google_secret_manager_secret.page_token.id
}

output "reconcile_job" {
  description = "Cloud Scheduler job that runs reconcileConversations (gcloud scheduler jobs run <name> --location <region> runs it now)."
  value       = google_cloud_scheduler_job.reconcile.name
}

output "function_images_repository" {
  description = "Artifact Registry repository that holds the functions' built images."
  value       = google_artifact_registry_repository.functions.id
}

output "firestore_database_id" {
  description = "ID of the Firestore database the functions use."
  value       = var.firestore_database_id
}
