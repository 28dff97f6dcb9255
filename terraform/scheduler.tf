# Runs reconcileConversations on a schedule: each run asks Dialogflow's API about the conversations that need it
# (no profile yet, in progress past Dialogflow's 24-hour auto-completion, ended since the last read), as many as
# reconcile.budget_seconds allows, so that a backlog drains over runs. Every minute by default: a run of a 40 s
# budget ends before the next, and the function's single instance serialises any that do not.
resource "google_cloud_scheduler_job" "reconcile" {
  project     = var.project_id
  region      = var.region
  name        = "${local.prefix}conversation-history-reconcile"
  description = "Refreshes conversations from Dialogflow's API (reconcileConversations)."
  schedule    = var.reconcile.schedule
  time_zone   = "Etc/UTC"
  # As long as the function may run; a run cut short leaves the rest due for the next one.
  attempt_deadline = "${min(var.reconcile.timeout_seconds, 1800)}s"

  # A failed run (503: Firestore unavailable) is tried once more; each run leaves what it did not take due, so a
  # retry, or the next tick, doubles nothing.
  retry_config {
    retry_count          = 1
    min_backoff_duration = "30s"
  }

  http_target {
    http_method = "POST"
    uri         = google_cloudfunctions2_function.this["reconcile-conversations"].service_config[0].uri

    # Minted for the URL the function checks its tokens against (AUTH_AUDIENCES, main.tf).
    oidc_token {
      service_account_email = google_service_account.this["scheduler"].email
      audience              = local.function_urls["reconcile-conversations"]
    }
  }

  depends_on = [time_sleep.apis_enabled, time_sleep.event_grants_propagate]
}

# Runs the erasure sweep on the erasure function (POST /sweep): it deletes what late deliveries wrote under the
# conversations erased within their late-write window (30 minutes, shared/domain/erasure.ts) and what an erasure
# cut short left, so a run costs what the last half hour's erasures cost, never the 35 days of tombstones.
resource "google_cloud_scheduler_job" "erasure_sweep" {
  project     = var.project_id
  region      = var.region
  name        = "${local.prefix}conversation-history-erasure-sweep"
  description = "Deletes what late deliveries wrote under recently erased conversations (eraseConversations POST /sweep)."
  schedule    = var.erasure_sweep_schedule
  time_zone   = "Etc/UTC"
  # As long as the function may run; a run cut short leaves the rest for the next one.
  attempt_deadline = "${min(local.erasure_function_limits.timeout_seconds, 1800)}s"

  retry_config {
    retry_count          = 1
    min_backoff_duration = "30s"
  }

  http_target {
    http_method = "POST"
    uri         = "${google_cloudfunctions2_function.this["erase-conversations"].service_config[0].uri}/sweep"

    # Minted for the URL the function checks its tokens against (AUTH_AUDIENCES, main.tf).
    oidc_token {
      service_account_email = google_service_account.this["scheduler"].email
      audience              = local.function_urls["erase-conversations"]
    }
  }

  depends_on = [time_sleep.apis_enabled, time_sleep.event_grants_propagate]
}
