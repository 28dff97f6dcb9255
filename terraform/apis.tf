locals {
  # Every API the deployment calls, directly or through what it creates.
  required_apis = [
    "cloudfunctions.googleapis.com",   # the functions
    "run.googleapis.com",              # gen2 functions run as Cloud Run services
    "cloudbuild.googleapis.com",       # builds the function sources
    "artifactregistry.googleapis.com", # holds the built images
    "pubsub.googleapis.com",           # event topics and push subscriptions
    "firestore.googleapis.com",        # the store
    "dialogflow.googleapis.com",       # the conversation profile
    "iam.googleapis.com",              # service accounts
    "storage.googleapis.com",          # the source bucket
    "secretmanager.googleapis.com",    # the page-token key
    "monitoring.googleapis.com",       # alert policies and notification channels
    "logging.googleapis.com",          # the quarantined-deliveries metric
    "cloudscheduler.googleapis.com",   # the reconcile schedule
    "iamcredentials.googleapis.com",   # ID tokens minted by impersonation (npm run smoke, gcloud --impersonate-service-account)
  ]
}

resource "google_project_service" "apis" {
  for_each = toset(local.required_apis)

  project = var.project_id
  service = each.value

  # Other workloads in the project may use the same APIs: destroying this deployment leaves them on.
  disable_on_destroy = false
}

# An API just enabled can still answer 403 SERVICE_DISABLED for a few minutes (the provider's FAQ, "403 Service
# API disabled": "If you enabled this API recently, wait a few minutes for the action to propagate"), and the
# provider does not retry that error: everything that calls one of these APIs depends on this wait, not on the
# google_project_service resources themselves. It waits again when the list of APIs changes.
resource "time_sleep" "apis_enabled" {
  create_duration = "${var.api_propagation_wait_seconds}s"

  triggers = {
    apis = join(",", sort([for api in google_project_service.apis : api.service]))
  }
}
