locals {
  # Pub/Sub's longest retention: dead-lettered deliveries stay inspectable and replayable for 31 days.
  max_message_retention = "2678400s"
}

# The topics the conversation profile publishes ConversationEvents to (local.event_topics: lifecycle, messages, recognition_results).
resource "google_pubsub_topic" "events" {
  for_each = local.event_topics

  project = var.project_id
  name    = each.value.name

  depends_on = [time_sleep.apis_enabled]
}

# Where a delivery ends once an ingest function refused it max_delivery_attempts times.
resource "google_pubsub_topic" "dead_letter" {
  project                    = var.project_id
  name                       = "${local.prefix}${var.dead_letter_topic_name}"
  message_retention_duration = local.max_message_retention

  depends_on = [time_sleep.apis_enabled]
}

# One push subscription per event topic, pushing to the ingest function that consumes it, authenticated with
# an OIDC token of the push service account for that function's URL.
resource "google_pubsub_subscription" "push" {
  for_each = local.event_topics

  project = var.project_id
  name    = "${each.value.name}-push"
  topic   = google_pubsub_topic.events[each.key].id

  # For push, the ack deadline is the request timeout: it outlasts the function's own timeout, so Pub/Sub
  # never redelivers a message the function is still writing.
  ack_deadline_seconds = google_cloudfunctions2_function.this[each.value.consumer].service_config[0].timeout_seconds + var.push_ack_deadline_margin_seconds

  push_config {
    push_endpoint = google_cloudfunctions2_function.this[each.value.consumer].service_config[0].uri

    # Minted for the URL the function checks its tokens against (AUTH_AUDIENCES, main.tf).
    oidc_token {
      service_account_email = google_service_account.this["push"].email
      audience              = local.function_urls[each.value.consumer]
    }
  }

  retry_policy {
    minimum_backoff = "${var.push_retry_minimum_backoff_seconds}s"
    maximum_backoff = "${var.push_retry_maximum_backoff_seconds}s"
  }

  dead_letter_policy {
    dead_letter_topic     = google_pubsub_topic.dead_letter.id
    max_delivery_attempts = var.max_delivery_attempts
  }

  # An idle subscription never expires: Dialogflow may be quiet for a month.
  expiration_policy {
    ttl = ""
  }

  lifecycle {
    # Variables cannot see each other in validation blocks on Terraform < 1.9, so the checks across them live here.
    precondition {
      condition     = local.functions[each.value.consumer].limits.timeout_seconds + var.push_ack_deadline_margin_seconds <= 600
      error_message = "The timeout_seconds of ${each.value.consumer} (ingest_function_limits or recognition_result_function_limits) + push_ack_deadline_margin_seconds must be at most 600, Pub/Sub's longest ack deadline."
    }
    precondition {
      condition     = var.push_retry_minimum_backoff_seconds <= var.push_retry_maximum_backoff_seconds
      error_message = "push_retry_minimum_backoff_seconds must not exceed push_retry_maximum_backoff_seconds."
    }
  }

  # Deliveries start as soon as the subscription exists: the grants that let them through (and let them
  # dead-letter) must have taken effect.
  depends_on = [time_sleep.event_grants_propagate]
}

# Holds whatever was dead-lettered, for inspection and replay; never expires.
resource "google_pubsub_subscription" "dead_letter" {
  project = var.project_id
  name    = "${google_pubsub_topic.dead_letter.name}-pull"
  topic   = google_pubsub_topic.dead_letter.id

  ack_deadline_seconds       = 600
  message_retention_duration = local.max_message_retention
  # Acknowledged messages are kept too, so a subscription seek can bring them back within the retention.
  retain_acked_messages = true

  expiration_policy {
    ttl = ""
  }
}
